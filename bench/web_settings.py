"""The production settings plus the bench's two bare views (bench/web.py only).

`config.settings` unchanged, but ROOT_URLCONF points at bench/web_urls.py, which mounts the
site's URLs and `/bench/bare/` and `/bench/bare-query/`: production never has a bench URL."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.web_urls"

# the bench's cache keys never meet another program's in the same Redis database
CACHES["default"]["KEY_PREFIX"] = "bench_web"  # noqa: F405
