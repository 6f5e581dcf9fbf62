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
    担心 咨询 了解 好 太 镇上 镇里 只能
    村口 村头 村尾 东头 西头 南头 北头 路上 路边 路口 主路 家门口 楼下 楼上 院子 这段 那段 路段 进村
    东边 西边 南边 北边 对面 周边 一带 我家 他家 邻居 大 小 写 已 天了 家门"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
# Dictionary entries that swallow a domain word ("路灯不亮" must give 路灯 + 不亮, not 路 + 灯不亮).
SWALLOWING = ("灯不亮",)
jieba.setLogLevel(logging.WARNING)  # its dictionary load would log at DEBUG on every start
# Cosine similarity from which two texts are neighbours: the highest that still joins every
# paraphrase of tests/projects/demands.py and keeps its unrelated demands apart.
THRESHOLD = 0.2
# A component whose members' mean similarity to its centre is below COHERENCE is a chain of
# different demands: it is split again with the threshold raised by STEP (up to MAX_THRESHOLD).
COHERENCE = 0.55
STEP = 0.1
MAX_THRESHOLD = 0.7
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


# Single characters that name a thing on their own; other single characters are dropped (search
# mode cuts 主 out of 主路, 家 out of 王家村, and such crumbs join unrelated demands).
SINGLE_WORDS = frozenset("水电气灯路桥狗车网房树河井坑墙厕药粮")


def tokens(text: str, places: Sequence[str] = ()) -> list[str]:
    """The words of a text: no stop word, no place name, no bare number, no crumb."""
    if not _loaded_terms:  # a caller that did not load the township's terms still gets the domain's
        load_terms(DOMAIN_TERMS)
    for place in places:
        text = text.replace(place, " ")
    return [
        w
        for w in jieba.lcut_for_search(text, HMM=False)
        if w.strip()
        and w not in STOP_WORDS
        and (len(w) > 1 or w in SINGLE_WORDS)
        and not w.isdigit()
        and any(ch.isalnum() for ch in w)
    ]


def cluster_texts(
    texts: Sequence[str],
    *,
    threshold: float = THRESHOLD,
    min_size: int = 3,
    max_neighbours: int = 30,
    chunk: int = 512,
    extra_terms: Iterable[str] = (),
    places: Iterable[str] = (),
    progress: Callable[[int], None] | None = None,
) -> list[Cluster]:
    """Clusters of at least `min_size` texts, largest first."""
    report = progress or (lambda pct: None)
    load_terms((*DOMAIN_TERMS, *extra_terms))
    # place names say where, not what: the clusters are by what (the page adds where)
    places = sorted({p for p in places if p}, key=len, reverse=True)
    words, doc_of = _documents(texts, places, report)
    if not words:
        return []
    vectorizer = TfidfVectorizer(analyzer=lambda ws: ws, sublinear_tf=True, norm="l2")
    matrix = vectorizer.fit_transform(words).tocsr().astype(np.float32)
    report(50)
    doc_label = np.empty(matrix.shape[0], dtype=np.int64)
    groups = _groups(matrix, threshold, max_neighbours, chunk, report)
    for lab, members in enumerate(groups):
        doc_label[members] = lab
    clusters = _clusters(doc_label, doc_of, matrix, vectorizer.get_feature_names_out(), min_size)
    report(95)
    return clusters


def _documents(texts, places, report) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """The distinct word lists, and for each text the index of its list (-1: no word at all).
    Identical word lists are merged: hotline texts repeat a lot."""
    docs: dict[tuple[str, ...], int] = {}
    seen: dict[str, tuple[str, ...]] = {}
    doc_of = np.full(len(texts), -1, dtype=np.int64)
    for i, text in enumerate(texts):
        key = seen.get(text)
        if key is None:
            key = seen[text] = tuple(sorted(set(tokens(text, places))))
        if key:
            doc_of[i] = docs.setdefault(key, len(docs))
        if i % 5000 == 4999:
            report(5 + 35 * i // len(texts))
    report(40)
    return list(docs), doc_of


def _neighbour_graph(matrix, threshold, max_neighbours, chunk, report) -> sparse.coo_matrix:
    """Edges from each list to its closest lists at or above `threshold`, chunk by chunk: the
    whole similarity matrix is never held."""
    n = matrix.shape[0]
    transposed = matrix.T.tocsc()
    rows, cols = [], []
    for start in range(0, n, chunk):
        product = (matrix[start : start + chunk] @ transposed).tocsr()
        product.data[product.data < threshold] = 0
        product.eliminate_zeros()
        counts = np.diff(product.indptr)
        crowded = np.flatnonzero(counts > max_neighbours)
        for offset in crowded:  # keep only the closest of a crowded row
            lo, hi = product.indptr[offset], product.indptr[offset + 1]
            weights = product.data[lo:hi].copy()
            weights[np.argpartition(-weights, max_neighbours)[:max_neighbours]] = np.inf
            product.data[lo:hi][weights != np.inf] = 0
        product.eliminate_zeros()
        counts = np.diff(product.indptr)
        rows.append(np.repeat(np.arange(start, start + product.shape[0]), counts))
        cols.append(product.indices.astype(np.int64))
        report(50 + 40 * min(n, start + chunk) // n)
    rows_, cols_ = np.concatenate(rows), np.concatenate(cols)
    return sparse.coo_matrix((np.ones(len(rows_), dtype=np.int8), (rows_, cols_)), shape=(n, n))


def _groups(matrix, threshold, max_neighbours, chunk, report) -> list[np.ndarray]:
    """Connected components of the neighbour graph. A component whose members are not close to
    its centre (a chain: 路灯…孩子…养犬) is split again at a higher threshold."""
    graph = _neighbour_graph(matrix, threshold, max_neighbours, chunk, report)
    _count, labels = connected_components(graph, directed=False)
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    groups = []
    for members in np.split(order, cuts):
        sub = matrix[members]
        if len(members) > 1 and threshold + STEP <= MAX_THRESHOLD and _coherence(sub) < COHERENCE:
            groups += [members[g] for g in _groups(sub, threshold + STEP, max_neighbours, chunk,
                                                   lambda pct: None)]  # fmt: skip
        else:
            groups.append(members)
    return groups


def _coherence(rows) -> float:
    """The mean cosine similarity of the rows to their centre."""
    centre = np.asarray(rows.mean(axis=0)).ravel()
    norm = np.linalg.norm(centre)
    return float(norm) if norm == 0 else float(np.mean(rows @ (centre / norm)))


def _clusters(doc_label, doc_of, matrix, vocabulary, min_size) -> list[Cluster]:
    """Texts back from their word lists; groups of `min_size` or more with their weightiest
    words."""
    label = np.where(doc_of >= 0, doc_label[np.maximum(doc_of, 0)], -1)
    kept = np.flatnonzero(label >= 0)
    sizes = np.bincount(label[kept], minlength=len(doc_label))
    big = np.flatnonzero(sizes >= min_size)
    order = kept[np.argsort(label[kept], kind="stable")]
    bounds = np.searchsorted(label[order], big)
    clusters = []
    for lab, lo in zip(big, bounds, strict=True):
        members = order[lo : lo + sizes[lab]].tolist()
        weight = np.asarray(matrix[np.unique(doc_of[members])].sum(axis=0)).ravel()
        top = [str(vocabulary[t]) for t in np.argsort(-weight)[:8]]
        clusters.append(Cluster(members=members, terms=_label_terms(top)))
    clusters.sort(key=lambda c: (-len(c.members), c.members[0]))
    return clusters


def _label_terms(ranked: list[str], count: int = 3) -> list[str]:
    """The weightiest words, without those inside another one (search mode also yields 自来
    beside 自来水, 路 beside 路灯)."""
    kept = [w for w in ranked if not any(w != other and w in other for other in ranked)]
    return kept[:count]
