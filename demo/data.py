"""Word lists for the fictional demo township (no real people or places are meant)."""

TOWNSHIP = {
    "name": "清河湾乡",
    "code": "qinghewan",
    "district": "示范区",
    "service_phone": "010-8888-1234",
}

# 15 villages and communities, one work group each ("1+15+N").
VILLAGES = [
    ("东辛庄村", "village"),
    ("西辛庄村", "village"),
    ("南皋村", "village"),
    ("北皋村", "village"),
    ("河湾村", "village"),
    ("马泉营村", "village"),
    ("善各庄村", "village"),
    ("何各庄村", "village"),
    ("草场地村", "village"),
    ("大望京村", "village"),
    ("黑桥村", "village"),
    ("清河湾社区", "community"),
    ("望花园社区", "community"),
    ("金盏佳园社区", "community"),
    ("和谐家园社区", "community"),
]

COMMITTEES = [
    ("party_masses", "党群工作", "党员、党组织、组织关系、志愿、团员、妇联、工会、宣传"),
    (
        "social_governance",
        "社会治理",
        "安全、纠纷、治安、噪音、养犬、消防、环境卫生、垃圾、物业、停车",
    ),
    (
        "urban_planning",
        "城建规划",
        "道路、路灯、拆迁、违建、修缮、下水道、排水、供暖、供水、燃气、电梯",
    ),
    (
        "livelihood_culture",
        "民生文化",
        "低保、养老、医疗、医保、就业、教育、入学、残疾、文体、活动室、救助",
    ),
    (
        "economic_development",
        "经济发展",
        "就业岗位、企业、商户、集体经济、分红、土地流转、农业、招商、市场",
    ),
]

DEPARTMENTS = [
    "区城市管理委员会",
    "区住房和城乡建设委员会",
    "区水务局",
    "区民政局",
    "区人力资源和社会保障局",
    "区卫生健康委员会",
    "区交通委员会",
    "区生态环境局",
    "区市场监督管理局",
    "区教育委员会",
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英玉兰萍毅浩宇轩然子涵欣怡梓萱一诺梓涵"
    "建国建华志强志明海燕红梅淑珍凤英春生秋菊国庆玉珍德福文华振华永刚晓东丽娟桂芝淑兰宏伟俊杰"
)
GRID_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格", "第五网格"]
CADRE_TITLES = ["乡机关干部", "村两委委员", "社区工作者", "包村干部", "驻村第一书记", "党员志愿者"]
STREET_WORDS = ["幸福", "和平", "建设", "团结", "胜利", "光明", "朝阳", "育才", "富强", "康乐"]
# Region codes of the demo ID numbers (Beijing districts), so check digits are realistic.
REGION_CODES = ["110105", "110101", "110102", "110106", "110108", "110112", "130102"]
