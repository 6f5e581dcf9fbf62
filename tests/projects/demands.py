"""A fixed set of paraphrased demands, with the clusters they must form. Each group says one
thing in different words, from different villages; the singles are unrelated and must stay
apart (from the groups and from each other)."""

GROUPS = {
    "streetlight": [
        "村口的路灯坏了，晚上不亮看不清路",
        "路灯好几天不亮了，老人晚上出门不安全",
        "东头那段路的路灯一直不亮，请尽快修理",
        "晚上路灯不亮，孩子放学回家路上太黑",
    ],
    "garbage": [
        "垃圾清运不及时，垃圾桶都满了",
        "垃圾桶满了没人清运，夏天气味很大",
        "村里垃圾清运太慢，垃圾堆在路边发臭",
    ],
    "water": [
        "自来水水压太低，楼上经常停水",
        "最近总是停水，自来水也不稳定",
        "自来水经常停水，做饭洗衣都受影响",
        "早上自来水水压低，希望解决停水问题",
    ],
    "bus": [
        "进城的公交班车太少，等车要一个小时",
        "希望增加公交班车，去镇上看病不方便",
        "公交班车间隔太长，上班赶不上",
    ],
}
SINGLES = [
    "老党员组织关系转接咨询",
    "邻居家养犬不拴绳，孩子害怕",
    "申请低保需要准备哪些材料",
    "希望村里安装健身器材",
    "宽带网速太慢，孩子上网课卡顿",
    "想了解集体经济分红的发放时间",
    "楼上漏水泡坏了我家天花板",
    "房屋墙体开裂，担心是危房",
    "希望组织志愿者探望独居老人",
    "孩子上幼儿园报名咨询",
    "卫生室药品种类太少",
    "快递只能到镇上取，很不方便",
    "农田灌溉的水渠堵塞了",
]
