"""Find recurring demands: issues whose texts say the same thing, whoever and wherever they came
from. Pure computation (no ORM), so the Celery task, the benchmark and the tests share it.

Texts are cut into words by jieba with a domain dictionary (the committees' routing keywords and
the terms below), stop words are dropped, each text becomes a TF-IDF vector (scikit-learn), and
two texts are neighbours when their cosine similarity reaches `threshold`. Clusters are the
connected components of the neighbour graph (scipy). The similarity matrix is never built whole:
rows are multiplied in chunks, and each text keeps only its `max_neighbours` closest neighbours,
so memory stays bounded at 100k issues. Identical word lists are merged before the product.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import jieba
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

DOMAIN_TERMS = (
    "路灯", "垃圾清运", "垃圾桶", "垃圾站", "自来水", "停水", "水压", "污水", "积水", "下水道",
    "排水", "道路", "路面", "坑洼", "停车", "停车位", "噪音", "广场舞", "养老", "养老金", "医保",
    "低保", "供暖", "暖气", "燃气", "天然气", "宽带", "网络信号", "公交", "班车", "灌溉", "水渠",
    "危房", "化粪池", "公厕", "养犬", "消防通道", "电梯", "物业", "违建", "拆迁", "补贴",
    "独居老人", "健身器材", "快递", "外卖", "幼儿园", "卫生室", "垃圾分类", "不亮", "清运", "网速",
)  # fmt: skip
_STOP_TEXT = """的 了 是 在 有 和 与 及 就 都 也 很 还 又 再 更 太 最 我 我们 你 您 他 她 它 他们 大家 家
    家里 村 村里 村民 居民 群众 小区 社区 这 那 这里 那里 这个 那个 个 一个 一些 没有 不 没 无
    能 能否 可以 请 希望 要求 反映 建议 问题 情况 现在 目前 一直 已经 总是 经常 好几天 几天 天
    时候 怎么 什么 为什么 给 让 被 把 对 向 从 到 上 下 里 中 后 前 啊 吧 呢 吗 哦 呀 说 想 要 会
    去 来 看 等 多 少 很多 非常 比较 特别 尽快 及时 帮忙 解决 处理 一下 麻烦 老是 附近 门口 旁边
    今天 昨天 最近 晚上 白天 每天 早上 这边 那边 时间 地方 有人 有些 影响 需要 方便 不方便 不便
    担心 咨询 了解 好 太 镇上 镇里 只能"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
# Dictionary entries that swallow a domain word ("路灯不亮" must give 路灯 + 不亮, not 路 + 灯不亮).
SWALLOWING = ("灯不亮",)
jieba.setLogLevel(logging.WARNING)  # its dictionary load would log at DEBUG on every start
# Cosine similarity from which two texts are neighbours: the highest that still joins every
# paraphrase of tests/projects/demands.py and keeps its unrelated demands apart.
THRESHOLD = 0.2
_jieba_lock = threading.Lock()
_loaded_terms: set[str] = set()


@dataclass(frozen=True)
class Cluster:
    members: list[int]  # indexes into the input texts
    terms: list[str]  # the words that weigh most in the cluster


def load_terms(terms: Iterable[str]) -> None:
    """Teach jieba the domain's words once (the committees' keywords vary per township)."""
    with _jieba_lock:
        if not _loaded_terms:
            for word in SWALLOWING:
                jieba.del_word(word)
        for term in terms:
            term = term.strip()
            if len(term) >= 2 and term not in _loaded_terms:
                jieba.add_word(term, freq=20000)
                _loaded_terms.add(term)


def split_keywords(text: str) -> list[str]:
    """A committee's keywords field: words separated by 、，, ; or spaces."""
    for sep in "，,;；\n ":
        text = text.replace(sep, "、")
    return [w for w in text.split("、") if w.strip()]


def tokens(text: str) -> list[str]:
    return [
        w
        for w in jieba.lcut_for_search(text, HMM=True)
        if w.strip() and w not in STOP_WORDS and any(ch.isalnum() for ch in w)
    ]


def cluster_texts(
    texts: Sequence[str],
    *,
    threshold: float = THRESHOLD,
    min_size: int = 3,
    max_neighbours: int = 30,
    chunk: int = 512,
    extra_terms: Iterable[str] = (),
    progress: Callable[[int], None] | None = None,
) -> list[Cluster]:
    """Clusters of at least `min_size` texts, largest first."""
    report = progress or (lambda pct: None)
    load_terms((*DOMAIN_TERMS, *extra_terms))
    # 1. words, with identical word lists merged (hotline texts repeat a lot)
    docs: dict[tuple[str, ...], int] = {}
    doc_of = np.empty(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        doc_of[i] = docs.setdefault(tuple(sorted(set(tokens(text)))), len(docs))
        if i % 5000 == 4999:
            report(5 + 35 * i // max(1, len(texts)))
    report(40)
    if not texts:
        return []
    words = list(docs)
    vectorizer = TfidfVectorizer(analyzer=lambda ws: ws, sublinear_tf=True, norm="l2")
    try:
        matrix = vectorizer.fit_transform(words).tocsr().astype(np.float32)
    except ValueError:  # no word at all in any text
        return []
    report(50)
    # 2. the neighbour graph, chunk by chunk
    n = matrix.shape[0]
    transposed = matrix.T.tocsc()
    rows, cols = [], []
    for start in range(0, n, chunk):
        product = (matrix[start : start + chunk] @ transposed).tocsr()
        product.data[product.data < threshold] = 0
        product.eliminate_zeros()
        for offset in range(product.shape[0]):
            lo, hi = product.indptr[offset], product.indptr[offset + 1]
            neighbours, weights = product.indices[lo:hi], product.data[lo:hi]
            if len(neighbours) > max_neighbours:
                neighbours = neighbours[np.argpartition(-weights, max_neighbours)[:max_neighbours]]
            rows.append(np.full(len(neighbours), start + offset, dtype=np.int64))
            cols.append(neighbours.astype(np.int64))
        report(50 + 40 * min(n, start + chunk) // n)
    graph = sparse.coo_matrix(
        (np.ones(sum(map(len, rows)), dtype=np.int8), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n, n),
    )
    _count, doc_label = connected_components(graph, directed=False)
    # 3. texts back from merged word lists, and the clusters' weightiest words
    label = doc_label[doc_of]
    sizes = np.bincount(label)
    big = np.flatnonzero(sizes >= min_size)
    vocabulary = vectorizer.get_feature_names_out()
    order = np.argsort(label, kind="stable")
    bounds = np.searchsorted(label[order], big)
    clusters = []
    for lab, lo in zip(big, bounds, strict=True):
        members = order[lo : lo + sizes[lab]].tolist()
        weight = np.asarray(matrix[np.unique(doc_of[members])].sum(axis=0)).ravel()
        top = np.argsort(-weight)[:3]
        clusters.append(Cluster(members=members, terms=[str(vocabulary[t]) for t in top]))
    clusters.sort(key=lambda c: (-len(c.members), c.members[0]))
    report(95)
    return clusters
