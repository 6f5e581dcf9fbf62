"""Benchmark the recurring-demand clustering at 100k issues (not a test).

    .venv/bin/python bench/clusters.py [--issues 100000] [--seed 1]

Builds the texts of N synthetic issues: 90% paraphrases of 24 recurring demands (each said in
several ways, from 15 villages, with varying details), 10% one-off demands. Runs, in one process:

- baseline: exact-text grouping (punctuation and spaces stripped), the plainest way to find
  repeats, and what finds no paraphrase;
- projects.clustering.cluster_texts: jieba + TF-IDF + chunked cosine neighbours + connected
  components, as the nightly task runs it.

Each runs in a forked child of the same process (the texts and jieba's dictionary already in
memory) and prints its wall and CPU time, its peak resident memory, the groups of 3 or more it
found, the share of the recurring-demand texts it put in a group and the purity of its groups
(the share of grouped texts that belong to their group's main demand). No database: the clustering is pure computation (projects/detection.py adds one
query to read the texts and bulk inserts to store the clusters).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import re
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from projects.clustering import cluster_texts, load_terms  # noqa: E402

VILLAGES = ["东村", "西村", "南村", "北村", "河口村", "柳树村", "新华社区", "光明社区", "杨庄",
            "李庄", "王家村", "张家村", "石桥村", "青山村", "红旗社区"]  # fmt: skip
PLACES = ["村口的", "{v}主路上的", "东头", "进村路段的", "{v}", "我家门口的", ""]
TOPICS = [
    (["路灯坏了", "路灯不亮", "路灯一直不亮", "路灯晚上不亮"], ["晚上看不清路", "老人出门不安全", "孩子放学路上太黑"]),
    (["垃圾清运不及时", "垃圾桶满了没人清运", "垃圾清运太慢"], ["夏天气味很大", "垃圾堆在路边", "招苍蝇"]),
    (["自来水水压低", "经常停水", "自来水不稳定"], ["做饭洗衣受影响", "楼上没水", "希望解决"]),
    (["公交班车太少", "公交班车间隔太长", "希望增加公交班车"], ["等车要一个小时", "看病不方便", "上班赶不上"]),
    (["道路坑洼", "路面坑坑洼洼", "道路破损"], ["下雨积水", "电动车容易摔", "希望修路"]),
    (["下水道堵塞", "排水不畅", "下水道返味"], ["雨天污水倒灌", "臭味很大", "影响出行"]),
    (["广场舞噪音大", "广场舞音响太响", "跳广场舞声音大"], ["晚上休息不好", "孩子写作业受影响", "老人睡不着"]),
    (["停车位紧张", "乱停车", "车辆乱停乱放"], ["堵住消防通道", "出行不便", "经常剐蹭"]),
    (["养犬不拴绳", "狗不拴绳乱跑", "遛狗不牵绳"], ["孩子害怕", "老人被吓到", "随地大小便"]),
    (["暖气不热", "供暖温度低", "暖气片不热"], ["屋里太冷", "老人孩子冻感冒", "希望检修"]),
    (["宽带网速慢", "网络信号差", "宽带经常断网"], ["孩子上网课卡顿", "手机没信号", "影响工作"]),
    (["养老金发放咨询", "养老金什么时候发", "养老金领取问题"], ["老人着急", "希望说明", "想了解政策"]),
    (["医保报销难", "医保报销手续复杂", "医保异地报销"], ["跑了好几趟", "材料太多", "希望简化"]),
    (["低保申请", "申请低保的条件", "低保审核"], ["家庭困难", "想了解流程", "需要准备哪些材料"]),
    (["灌溉水渠堵塞", "水渠淤积", "农田灌溉用水难"], ["庄稼缺水", "影响春耕", "希望清淤"]),
    (["违建占道", "私搭乱建", "违章建筑"], ["影响通行", "存在安全隐患", "希望拆除"]),
    (["健身器材损坏", "健身器材坏了", "健身器材太少"], ["老人锻炼不方便", "存在安全隐患", "希望更换"]),
    (["快递取件难", "快递只能到镇上取", "快递点太远"], ["老人取件不方便", "希望设点", "经常丢件"]),
    (["卫生室药品少", "卫生室缺医生", "卫生室看病难"], ["看病要进城", "老人慢病拿药难", "希望改善"]),
    (["化粪池满溢", "公厕脏乱", "公厕没人打扫"], ["臭味很大", "夏天苍蝇多", "希望清掏"]),
    (["燃气管道老化", "天然气还没通", "燃气费太贵"], ["担心安全", "冬天做饭难", "希望尽快"]),
    (["危房改造", "房屋墙体开裂", "老房子漏雨"], ["担心倒塌", "住着不安全", "希望鉴定"]),
    (["电梯经常坏", "电梯停运", "电梯维修不及时"], ["老人上下楼难", "困人", "希望检修"]),
    (["幼儿园学位紧张", "幼儿园报名难", "幼儿园太远"], ["孩子上学难", "接送不方便", "希望增加学位"]),
]  # fmt: skip
ONE_OFF = ("党员组织关系", "集体经济分红", "返乡创业", "农机补贴", "合作社入股", "土地确权",
           "宅基地审批", "婚姻登记", "户口迁移", "社保卡补办", "志愿服务", "退役军人优待",
           "残疾人补贴", "高龄津贴", "耕地地力补贴", "林权证", "计生奖励", "学生资助", "就业培训",
           "小额贷款")  # fmt: skip


def synthetic_texts(n: int, rng: random.Random) -> tuple[list[str], list[int]]:
    """The texts, and for each the index of its recurring demand (-1: a one-off)."""
    texts, topics = [], []
    for _ in range(n):
        village = rng.choice(VILLAGES)
        if rng.random() < 0.1:  # a one-off: two unrelated matters in one call
            first, second = rng.sample(ONE_OFF, 2)
            texts.append(f"{village}村民咨询{first}，另问{second}")
            topics.append(-1)
            continue
        topic = rng.randrange(len(TOPICS))
        subjects, effects = TOPICS[topic]
        place = rng.choice(PLACES).format(v=village)
        text = f"{place}{rng.choice(subjects)}，{rng.choice(effects)}"
        if rng.random() < 0.5:
            text += f"，已经{rng.randint(2, 40)}天了"
        texts.append(text)
        topics.append(topic)
    return texts, topics


def purity(groups: list[list[int]], topics: list[int]) -> tuple[float, float]:
    """(share of the recurring-demand texts found in some group, share of grouped texts that
    belong to their group's main demand)."""
    grouped = sum(len(g) for g in groups)
    main = sum(Counter(topics[i] for i in g).most_common(1)[0][1] for g in groups)
    recurring = sum(1 for t in topics if t >= 0)
    recurring_grouped = sum(1 for g in groups for i in g if topics[i] >= 0)
    return recurring_grouped / max(1, recurring), main / max(1, grouped)


def exact_groups(texts: list[str]) -> list[list[int]]:
    """The baseline: identical texts once punctuation and spaces are stripped."""
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        groups.setdefault(re.sub(r"[\\s，。,.!！?？、；;：:]", "", text), []).append(i)
    return [g for g in groups.values() if len(g) >= 3]


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(fn, conn) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    groups = [c.members if hasattr(c, "members") else c for c in result]
    conn.send((seconds, cpu, _rss_mib(), groups, [getattr(c, "terms", []) for c in result]))
    conn.close()


def measure(label: str, fn, topics):
    """Run `fn` in a forked child (the same texts and dictionary in memory, nothing else), so its
    peak resident memory is its own and no tracer slows it."""
    context = multiprocessing.get_context("fork")
    here, there = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(fn, there))
    child.start()
    seconds, cpu, rss, groups, terms = here.recv()
    child.join()
    found, pure = purity(groups, topics)
    print(
        f"{label:<30} {seconds:7.2f} s wall {cpu:7.2f} s CPU   peak RSS {rss:6.0f} MiB   "
        f"groups≥3 {len(groups):6d}   recurring texts grouped {found:6.1%}   purity {pure:6.1%}"
    )
    return groups, terms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    texts, topics = synthetic_texts(args.issues, random.Random(args.seed))
    load_terms(())  # jieba's dictionary load (a few seconds, once per worker) is not timed
    print(f"{len(texts)} issues, {len(set(texts))} distinct texts, {len(TOPICS)} recurring demands")
    print(f"before either (texts and jieba's dictionary loaded): RSS {_rss_mib():.0f} MiB")
    measure("baseline: exact-text grouping", lambda: exact_groups(texts), topics)
    groups, terms = measure(
        "jieba + TF-IDF + cosine graph",
        lambda: cluster_texts(texts, min_size=3, places=VILLAGES),
        topics,
    )
    biggest = sorted(zip(groups, terms, strict=True), key=lambda gt: -len(gt[0]))[:6]
    print("largest clusters:", ", ".join(f"{'、'.join(t)} ({len(g)})" for g, t in biggest))


if __name__ == "__main__":
    main()
