"""The keyword rules each shipped problem category starts with (our own word lists).

The 主管 edits them (问题分析 → 关键词规则); ``problems.ensure_default_keywords`` fills them in
where none were ever set, and brings a list still exactly as an earlier release shipped it up
to the current words (a list the user changed is never touched).

The lists are measured on tests/data/remarks.tsv: every customer remark quoted in the seed
documents, and realistic remarks of our own, each labelled with its categories.
"""

_DEFAULT_KEYWORD_TEXT = {
    "服务态度类": "态度、不耐烦、脸色、爱答不理、不理人、不搭理、敷衍、推诿、推来推去、踢皮球、不礼貌、没礼貌、"
    "不客气、恶劣、说话很冲、说话难听、吵架、凶、语气、冷淡、不尊重、抽烟、不换鞋、没鞋套、不穿鞋套",
    "响应速度类": "慢、等了、等太久、等待、好几天、迟到、太晚、来晚、没人接、无人接听、打不通、打不进、占线、"
    "没人管、预约不上、不及时、延迟、响应超、超时、拖、催了、久等、改约、没按时、不准时、没回电、没回复、"
    "才到、才有人",
    "技术能力类": "没修好、修不好、又坏、返修、二次上门、重复上门、二次预约、再跑一趟、又叫师傅、不专业、专业度不足、"
    "没解决、未解决、还是不行、没弄好、找不到原因、找不到故障、没带、未携带、没带齐、备件短缺、不会修、"
    "不熟悉、无法解答、答不上来、乱拆、弄坏、划伤、外行、一次没修好",
    "流程便捷性类": "手续、麻烦、跑了几趟、跑好几趟、来回跑、系统、流程、繁琐、排队、填表、几张表、发票、"
    "重复提交、重复填、材料、签字、复杂、入口、提交不了、看不懂",
    "产品质量类": "质量、噪音、漏水、异响、不制冷、不制热、故障、漏电、异味、掉漆、生锈、做工、老化、配件坏、"
    "破损、安全隐患、不完善、没有达到预期、达不到预期、就坏、效果差",
    "价格类": "贵、收费、价格、乱收费、乱收、加钱、另外收钱、多收、费用、不透明、上门费、材料费、报价、退款、性价比",
}
DEFAULT_KEYWORDS: dict[str, list[str]] = {k: v.split("、") for k, v in _DEFAULT_KEYWORD_TEXT.items()}

# The lists earlier releases shipped: a category whose keywords are still exactly one of these
# gets the current list (the user never edited it).
_EARLIER_TEXT = {
    "服务态度类": "态度、不耐烦、脸色、爱答不理、不理人、敷衍、推诿、踢皮球、不礼貌、没礼貌、吵架、凶、语气、"
    "冷淡、不尊重、抽烟、不换鞋、没鞋套",
    "响应速度类": "慢、等了、等太久、好几天、迟到、没人接、打不通、没人管、预约不上、不及时、拖、催了、久等、"
    "改约、没按时、不准时、没回电、没回复",
    "技术能力类": "没修好、又坏、返修、二次上门、不专业、修不好、没解决、还是不行、没弄好、找不到原因、没带、"
    "不会修、乱拆、弄坏、划伤、外行、一次没修好",
    "流程便捷性类": "手续、麻烦、跑了几趟、系统、流程、繁琐、排队、填表、发票、转接、重复、材料、签字、复杂、来回跑",
    "产品质量类": "质量、噪音、漏水、异响、不制冷、不制热、故障、漏电、异味、掉漆、生锈、做工、老化、配件坏",
    "价格类": "贵、收费、价格、乱收费、加钱、多收、费用、不透明、上门费、材料费、报价、退款、性价比",
}
EARLIER_KEYWORDS: dict[str, list[list[str]]] = {k: [v.split("、")] for k, v in _EARLIER_TEXT.items()}
