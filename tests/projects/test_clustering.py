"""The clustering itself (no database): the fixed paraphrases form their groups, unrelated
demands stay apart."""

from projects.clustering import cluster_texts, split_keywords, tokens

from .demands import GROUPS, SINGLES


def _texts():
    texts = [t for group in GROUPS.values() for t in group] + SINGLES
    expected, i = {}, 0
    for name, group in GROUPS.items():
        expected[name] = frozenset(range(i, i + len(group)))
        i += len(group)
    return texts, expected


def test_paraphrased_demands_form_the_expected_clusters():
    # given the fixed paraphrases of four demands from different villages, and unrelated ones
    texts, expected = _texts()
    # when they are clustered (pairs allowed, to see every stray join)
    found = {frozenset(c.members) for c in cluster_texts(texts, min_size=2)}
    # then each demand is one cluster, and no unrelated demand joins any (or another single)
    assert found == set(expected.values())


def test_a_cluster_is_named_by_its_weightiest_words():
    texts, _expected = _texts()
    clusters = cluster_texts(texts, min_size=3)
    labels = [set(c.terms) for c in clusters]
    assert any("路灯" in terms for terms in labels)
    assert any("公交" in terms or "班车" in terms for terms in labels)


def test_min_size_leaves_out_small_groups_and_nothing_is_nothing():
    texts, _expected = _texts()
    assert all(len(c.members) >= 4 for c in cluster_texts(texts, min_size=4))
    assert cluster_texts([], min_size=2) == []
    assert cluster_texts(["的了吗", "，。"], min_size=1) == []


def test_identical_texts_cluster_and_progress_is_reported():
    seen = []
    clusters = cluster_texts(["路灯坏了"] * 5 + ["公交太少"], min_size=3, progress=seen.append)
    assert [len(c.members) for c in clusters] == [5]
    assert seen and seen == sorted(seen) and seen[-1] == 95


def test_domain_words_and_stop_words():
    assert "路灯" in tokens("晚上路灯不亮")
    assert "的" not in tokens("村口的路灯")
    assert split_keywords("道路、路灯，供水; 燃气") == ["道路", "路灯", "供水", "燃气"]
