"""Draw the PWA's icons (static/pwa/icons/): 192 and 512 px, and a 512 px maskable one whose
drawing stays inside the 80 % safe zone. Run once after changing the design; the PNGs are committed."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw, ImageFont

RED = (179, 38, 30)
WHITE = (255, 255, 255)
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    image = Image.new("RGB", (size, size), RED if maskable else WHITE)
    draw = ImageDraw.Draw(image)
    if not maskable:  # a rounded red tile on white
        draw.rounded_rectangle([0, 0, size - 1, size - 1], radius=size // 5, fill=RED)
    safe = 0.8 if maskable else 1.0
    font = ImageFont.truetype(FONT, int(size * 0.36 * safe), index=2)  # index 2: SC
    draw.text((size / 2, size / 2), "连心", font=font, fill=WHITE, anchor="mm")
    return image


class Command(BaseCommand):
    help = "Draw static/pwa/icons/*.png (Pillow, Noto Sans CJK)."

    def handle(self, *args, **options):
        target = Path(settings.BASE_DIR) / "static" / "pwa" / "icons"
        target.mkdir(parents=True, exist_ok=True)
        for name, size, maskable in (
            ("icon-192.png", 192, False),
            ("icon-512.png", 512, False),
            ("maskable-512.png", 512, True),
        ):
            draw_icon(size, maskable=maskable).save(target / name, optimize=True)
            self.stdout.write(f"{name} {size}x{size}")
