"""Every legal article the documents, rules, profiles and errors cite: one table, a parser and a lookup.

Each entry holds the law as cited (without the 中华人民共和国 prefix), the article (None for a whole document),
a short paraphrase of what it says, and the source relied on. ``verified`` says whether the wording was checked
against a published text of the law in this project (see the source); unverified entries are listed so that a
reviewer can confirm them, and must not be relied on for new wording until confirmed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CITATIONS", "Citation", "chinese_number", "citation_of", "citations_in", "is_known", "unknown_citations"]


@dataclass(frozen=True)
class Citation:
    """One cited article (or a whole document when article is None)."""

    law: str
    article: int | None
    says: str
    source: str
    verified: bool


_SEARCH = "公开法规文本（经 search 工具核对）"
_UNVERIFIED = "按法规文本记忆整理，本项目尚未逐字核对"
_LAWREF = "LawRefBook/Laws（GitHub 公开法规库）所载现行文本，经 fetch 工具逐字核对"
_ORDER_22 = "劳动和社会保障部令第22号全文转载（holdmm.net 法搜网“集体合同规定(2004)”第4页，经 search 工具核对）"
_REPS_22 = "劳动和社会保障部令第22号第十九条至第二十六条转载（bjxgfjob.com/changshi/260729.html，经 search 工具核对）"
_DISPUTES_22 = (
    "法律问答页面转引的第四十九条至第五十四条原文（uianet.net/dictionary/b13431464.html、lawtime.cn，经 search 工具核对）"
)

_SUPERVISION = (
    "印发通知（总工办发〔2021〕9号，2021年3月31日）转载（wpexpress.cn）；第二十条至第二十二条原文转载"
    "（ask.fsou.com/html/text/lar/173526/17352651_3.html），经 search 工具核对"
)

CITATIONS: tuple[Citation, ...] = (
    # 集体合同规定（劳动和社会保障部令第22号，2004年5月1日施行）
    Citation("集体合同规定", None, "规范集体协商和签订集体合同行为的部门规章", _SEARCH, True),
    Citation(
        "集体合同规定",
        3,
        "集体合同是用人单位与本单位职工就劳动报酬、工作时间、休息休假、劳动安全卫生、职业培训、保险福利等事项通过集体协商签订的书面协议；专项集体合同是就集体协商的某项内容签订的专项书面协议",
        "法律问答页面转引的条文原文（uianet.net/dictionary/b8711756.html、flfgdq.cn，经 search 工具核对）",
        True,
    ),
    Citation(
        "集体合同规定",
        8,
        "集体协商双方可以就劳动报酬、工作时间、休息休假、劳动安全与卫生、补充保险和福利、女职工和未成年工特殊保护、职业技能培训、劳动合同管理、奖惩、裁员、集体合同期限、变更解除集体合同的程序、履行争议的协商处理办法、违约责任及双方认为应当协商的其他内容中的多项或某项进行协商",
        "规章全文转载（m.e-book.qq.com/read/1026700873/98，经 search 工具核对）",
        True,
    ),
    Citation("集体合同规定", 19, "集体协商双方的代表人数应当对等，每方至少三人，并各确定一名首席代表", _REPS_22, True),
    Citation(
        "集体合同规定",
        20,
        "职工一方的协商代表由本单位工会选派（未建立工会的由职工民主推荐并经半数以上职工同意）；首席代表由工会主席担任，工会主席可以书面委托其他协商代表代理，工会主席空缺的由工会主要负责人担任",
        _REPS_22,
        True,
    ),
    Citation(
        "集体合同规定",
        21,
        "用人单位一方的协商代表由法定代表人指派，首席代表由法定代表人担任或由其书面委托的其他管理人员担任",
        _REPS_22,
        True,
    ),
    Citation("集体合同规定", 22, "协商代表履行职责的期限由被代表方确定", _REPS_22, True),
    Citation(
        "集体合同规定",
        23,
        "双方首席代表可以书面委托本单位以外的专业人员作为本方协商代表，委托人数不得超过本方代表的三分之一；首席代表不得由非本单位人员代理",
        _REPS_22,
        True,
    ),
    Citation("集体合同规定", 24, "用人单位协商代表与职工协商代表不得相互兼任", _REPS_22, True),
    Citation(
        "集体合同规定",
        31,
        "协商代表因更换、辞任或遇有不可抗力等情形造成空缺的，应在空缺之日起十五日内按照本规定产生新的代表",
        _ORDER_22,
        True,
    ),
    Citation("集体合同规定", 32, "一方书面提出协商要求，另一方应自收到之日起二十日内书面回应，无正当理由不得拒绝", _SEARCH, True),
    Citation("集体合同规定", 33, "协商前的准备工作，包括共同确定一名非协商代表担任记录员", _SEARCH, True),
    Citation("集体合同规定", 34, "集体协商会议由双方首席代表轮流主持", _SEARCH, True),
    Citation(
        "集体合同规定",
        35,
        "集体协商未达成一致意见或出现事先未预料的问题时，经双方协商可以中止协商；中止期限及下次协商时间、地点、内容由双方商定",
        _ORDER_22,
        True,
    ),
    Citation(
        "集体合同规定",
        36,
        "草案提交职工代表大会或全体职工讨论，须三分之二以上出席，全体职工代表或全体职工半数以上同意方获通过",
        _SEARCH,
        True,
    ),
    Citation("集体合同规定", 37, "草案经职工代表大会或职工大会通过后，由双方首席代表签字", _SEARCH, True),
    Citation("集体合同规定", 38, "期限一般为一至三年；期满前三个月内任何一方可提出重新签订或续订要求", _SEARCH, True),
    Citation("集体合同规定", 39, "双方协商代表协商一致，可以变更或解除集体合同", _SEARCH, True),
    Citation(
        "集体合同规定",
        40,
        "用人单位因被兼并、解散、破产等原因致使无法履行；因不可抗力等原因致使无法履行或部分无法履行；约定的变更或解除条件出现；法律、法规、规章规定的其他情形，可以变更或解除",
        _SEARCH,
        True,
    ),
    Citation("集体合同规定", 41, "变更或解除集体合同适用本规定的集体协商程序", _SEARCH, True),
    Citation(
        "集体合同规定",
        42,
        "签订或变更后，应自双方首席代表签字之日起十日内，由用人单位一方将文本一式三份报送劳动保障行政部门审查",
        _SEARCH,
        True,
    ),
    Citation("集体合同规定", 43, "审查实行属地管辖，具体管辖范围由省级劳动保障行政部门规定", _SEARCH, True),
    Citation("集体合同规定", 44, "劳动保障行政部门审查主体资格、协商程序和内容的合法性", _SEARCH, True),
    Citation("集体合同规定", 45, "有异议的，应自收到文本之日起十五日内将《审查意见书》送达双方协商代表", _SEARCH, True),
    Citation("集体合同规定", 46, "就异议事项重新签订的，用人单位一方应依第四十二条重新报送审查", _SEARCH, True),
    Citation(
        "集体合同规定",
        47,
        "劳动保障行政部门自收到文本之日起十五日内未提出异议的，集体合同或专项集体合同即行生效",
        "法律问答页面转引的条文原文（ieqm.com/law/5219612.html，经 search 工具核对）",
        True,
    ),
    Citation(
        "集体合同规定",
        48,
        "生效的集体合同或专项集体合同，应当自其生效之日起由协商代表及时以适当的形式向本方全体人员公布",
        "条号与内容见项目领域参考 shared/docs/domain.md（“art. 48 publication”，2026-12 对照原文核对）；原文措辞另见各地转述"
        "“生效后双方协商代表应当及时以适当的形式向本方全体人员公布”（m.shutu.cn）",
        True,
    ),
    Citation(
        "集体合同规定",
        49,
        "集体协商过程中发生争议，双方当事人不能协商解决的，当事人一方或双方可以书面向劳动保障行政部门提出协调处理申请；未提出申请的，劳动保障行政部门认为必要时也可以进行协调处理",
        _DISPUTES_22,
        True,
    ),
    Citation(
        "集体合同规定",
        52,
        "协调处理集体协商争议，应当自受理协调处理申请之日起三十日内结束；期满未结束的，可以适当延长协调期限，但延长期限不得超过十五日",
        _DISPUTES_22,
        True,
    ),
    Citation(
        "集体合同规定",
        55,
        "因履行集体合同发生的争议，当事人协商解决不成的，可以依法向劳动争议仲裁委员会申请仲裁",
        "条文原文见 ruoyo.com/falv/laogong/223802.html 转引（未标条号）；条号按记忆，本项目尚未见到标明第五十五条的文本",
        False,
    ),
    Citation(
        "集体合同规定",
        56,
        "用人单位无正当理由拒绝工会或职工代表提出的集体协商要求的，按照《工会法》及有关法律、法规的规定处理",
        "条文原文见 ruoyo.com/falv/laogong/223802.html 转引（未标条号）；条号按记忆，本项目尚未见到标明第五十六条的文本",
        False,
    ),
    # 劳动合同法
    Citation("劳动合同法", None, "中华人民共和国劳动合同法", _SEARCH, True),
    Citation(
        "劳动合同法",
        4,
        "用人单位制定、修改或者决定直接涉及劳动者切身利益的规章制度或者重大事项时，应当经职工代表大会或者全体职工讨论，与工会或者职工代表平等协商确定，并公示或者告知劳动者",
        _LAWREF + "；另见 aolonic.com 转引原文",
        True,
    ),
    Citation(
        "劳动合同法",
        10,
        "建立劳动关系，应当订立书面劳动合同；已建立劳动关系，未同时订立书面劳动合同的，应当自用工之日起一个月内订立书面劳动合同",
        _LAWREF,
        True,
    ),
    Citation(
        "劳动合同法",
        17,
        "劳动合同应当具备的条款：用人单位和劳动者的基本情况、合同期限、工作内容和地点、工作时间和休息休假、劳动报酬、社会保险、劳动保护、劳动条件和职业危害防护等",
        _LAWREF,
        True,
    ),
    Citation(
        "劳动合同法",
        51,
        "企业职工一方与用人单位可订立集体合同，草案应提交职工代表大会或全体职工讨论通过，由工会代表职工订立",
        _SEARCH,
        True,
    ),
    Citation(
        "劳动合同法",
        52,
        "企业职工一方与用人单位可以订立劳动安全卫生、女职工权益保护、工资调整机制等专项集体合同",
        _LAWREF + "；另见 aolonic.com 转引原文",
        True,
    ),
    Citation(
        "劳动合同法",
        53,
        "在县级以下区域内，建筑业、采矿业、餐饮服务业等行业可以由工会与企业方面代表订立行业性集体合同，或者订立区域性集体合同",
        _LAWREF,
        True,
    ),
    Citation(
        "劳动合同法",
        54,
        "集体合同订立后报送劳动行政部门，自收到之日起十五日内未提出异议的即行生效；行业性、区域性集体合同对当地本行业、本区域的用人单位和劳动者具有约束力",
        _SEARCH,
        True,
    ),
    Citation(
        "劳动合同法",
        55,
        "集体合同中劳动报酬和劳动条件等标准不得低于当地人民政府规定的最低标准；劳动合同中的劳动报酬和劳动条件等标准不得低于集体合同规定的标准",
        _LAWREF,
        True,
    ),
    Citation(
        "劳动合同法",
        56,
        "用人单位违反集体合同，侵犯职工劳动权益的，工会可以依法要求用人单位承担责任；因履行集体合同发生争议，经协商解决不成的，工会可以依法申请仲裁、提起诉讼",
        _LAWREF + "；另见 uianet.net/dictionary/b3527671.html 转引原文",
        True,
    ),
    # 劳动法
    Citation("劳动法", None, "中华人民共和国劳动法", _SEARCH, True),
    Citation("劳动法", 36, "国家实行劳动者每日工作时间不超过八小时、平均每周工作时间不超过四十四小时的工时制度", _LAWREF, True),
    Citation("劳动法", 38, "用人单位应当保证劳动者每周至少休息一日", _LAWREF, True),
    Citation(
        "劳动法",
        44,
        "安排延长工作时间的，支付不低于工资百分之一百五十的报酬；休息日工作又不能安排补休的，不低于百分之二百；法定休假日工作的，不低于百分之三百",
        _LAWREF,
        True,
    ),
    Citation(
        "劳动法",
        48,
        "国家实行最低工资保障制度；用人单位支付劳动者的工资不得低于当地最低工资标准",
        "人社部门政策问答转引的法条原文（uianet.net 等，经 search 工具核对）",
        True,
    ),
    Citation("劳动法", 50, "工资应当以货币形式按月支付给劳动者本人，不得克扣或者无故拖欠劳动者的工资", _LAWREF, True),
    Citation("劳动法", 59, "禁止安排女职工从事矿山井下、国家规定的第四级体力劳动强度的劳动和其他禁忌从事的劳动", _LAWREF, True),
    Citation("劳动法", 60, "不得安排女职工在经期从事高处、低温、冷水作业和国家规定的第三级体力劳动强度的劳动", _LAWREF, True),
    Citation(
        "劳动法",
        61,
        "不得安排女职工在怀孕期间从事国家规定的第三级体力劳动强度的劳动和孕期禁忌从事的劳动；对怀孕七个月以上的女职工，不得安排其延长工作时间和夜班劳动",
        _LAWREF,
        True,
    ),
    Citation("劳动法", 62, "女职工生育享受不少于九十天的产假", _LAWREF, True),
    Citation(
        "劳动法",
        63,
        "不得安排女职工在哺乳未满一周岁的婴儿期间从事国家规定的第三级体力劳动强度的劳动和哺乳期禁忌从事的其他劳动，不得安排其延长工作时间和夜班劳动",
        _LAWREF,
        True,
    ),
    Citation(
        "劳动法",
        68,
        "用人单位应当建立职业培训制度，按照国家规定提取和使用职业培训经费，有计划地对劳动者进行职业培训",
        _LAWREF,
        True,
    ),
    # 工会法
    Citation("工会法", None, "中华人民共和国工会法（1992年通过，2021年12月24日第三次修正）", _LAWREF, True),
    # 工资支付暂行规定（劳部发〔1994〕489号）
    Citation(
        "工资支付暂行规定",
        15,
        "用人单位不得克扣劳动者工资，仅个人所得税、个人社会保险费、法院判决裁定的抚养费赡养费和法律法规规定的其他费用可以代扣",
        _SEARCH,
        True,
    ),
    Citation(
        "工资支付暂行规定",
        16,
        "因劳动者本人原因造成经济损失的赔偿可从工资中扣除，但每月扣除部分不得超过当月工资的百分之二十，扣除后剩余工资低于当地月最低工资标准的按最低工资标准支付",
        _SEARCH,
        True,
    ),
    # 最低工资规定
    Citation(
        "最低工资规定",
        12,
        "在劳动者提供正常劳动的情况下，用人单位应支付的工资在剔除延长工作时间工资，中班、夜班、高温、低温、井下、有毒有害等特殊工作环境和条件下的津贴，以及法律、法规和国家规定的劳动者福利待遇后，不得低于当地最低工资标准",
        "法律问答页面转引的条文（shoulawyer.com/zhishi/343466.htm 标明第十二条，maincolor.cn、heegantimes.com 载原文，经 search 工具核对）",
        True,
    ),
    # 女职工劳动保护特别规定（国务院令第619号）
    Citation(
        "女职工劳动保护特别规定",
        None,
        "国务院令第619号（2012年4月28日公布施行）及其附录《女职工禁忌从事的劳动范围》",
        _LAWREF,
        True,
    ),
    Citation(
        "女职工劳动保护特别规定",
        4,
        "用人单位应当遵守女职工禁忌从事的劳动范围的规定，并将本单位属于女职工禁忌从事的劳动范围的岗位书面告知女职工",
        _LAWREF,
        True,
    ),
    Citation(
        "女职工劳动保护特别规定",
        5,
        "不得因怀孕、生育、哺乳降低女职工工资、予以辞退或解除劳动合同",
        "法律问答页面转引的条文原文（uianet.net、ieqm.com 等，经 search 工具核对）",
        True,
    ),
    Citation(
        "女职工劳动保护特别规定",
        6,
        "孕期不能适应原劳动的，根据医疗机构证明减轻劳动量或安排其他劳动；怀孕七个月以上的不得延长劳动时间或安排夜班劳动，并在劳动时间内安排一定休息时间；产前检查所需时间计入劳动时间",
        _LAWREF,
        True,
    ),
    Citation(
        "女职工劳动保护特别规定",
        7,
        "女职工生育享受九十八天产假",
        "法律问答页面转引的条文原文（uianet.net、ieqm.com 等，经 search 工具核对）",
        True,
    ),
    Citation(
        "女职工劳动保护特别规定",
        8,
        "产假期间的生育津贴，参加生育保险的按用人单位上年度职工月平均工资由生育保险基金支付，未参加的按产假前工资由用人单位支付；生育或流产的医疗费用同样分别由基金或用人单位支付",
        _LAWREF,
        True,
    ),
    Citation(
        "女职工劳动保护特别规定",
        9,
        "哺乳期女职工不得延长工作时间或安排夜班，每天安排一小时哺乳时间",
        "法律问答页面转引的条文原文（uianet.net、ieqm.com 等，经 search 工具核对）",
        True,
    ),
    # 工伤保险条例
    Citation("工伤保险条例", None, "工伤保险条例（国务院令第375号公布，2010年12月20日修订）", _LAWREF, True),
    Citation(
        "工伤保险条例",
        2,
        "境内企业等用人单位应当依照本条例参加工伤保险，为本单位全部职工或者雇工缴纳工伤保险费",
        _SEARCH,
        True,
    ),
    # 民法典
    Citation(
        "民法典",
        202,
        "按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日",
        _SEARCH,
        True,
    ),
    Citation(
        "民法典",
        203,
        "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日；期间的最后一日的截止时间为二十四时",
        _LAWREF,
        True,
    ),
    # 工资集体协商试行办法（劳动和社会保障部令第9号）
    Citation(
        "工资集体协商试行办法",
        18,
        "在不违反有关法律、法规的前提下，协商双方有义务按照对方要求，在协商开始前五日内提供与工资集体协商有关的真实情况和资料",
        "法律问答页面转引的第十七条至第二十条原文（lcggpf.com/caijing/1427890uby.html，经 search 工具核对）",
        True,
    ),
    Citation(
        "工资集体协商试行办法",
        21,
        "工资协议签订后，应于七日内由企业将工资协议一式三份及说明报送劳动保障行政部门审查",
        "佛山市人社局办事指南以本条为依据（签订后7日内报送、一式三份，hfwanjing.com 转载）；条文措辞按记忆，与各地办法转引的相同措辞（fsou.com）一致，经 search 工具核对",
        True,
    ),
    # Documents cited as a whole
    Citation(
        "人社厅发〔2023〕50号",
        None,
        "人力资源社会保障部办公厅2023年11月8日印发《新就业形态劳动者休息和劳动报酬权益保障指引》《新就业形态劳动者劳动规则公示指引》《新就业形态劳动者权益维护服务指南》的通知；保障指引把企业要求的在线时间计入工作时间，要求法定节假日工作的支付高于正常工作时间劳动报酬的合理报酬",
        "通知及指引全文转载（zyrhbw.com 人社部门网站、fuzhou.gov.cn 转发通知、新华社2024年2月23日报道，经 search 工具核对）",
        True,
    ),
    Citation(
        "人社部发〔2021〕56号",
        None,
        "人力资源社会保障部等八部门2021年印发的《关于维护新就业形态劳动者劳动保障权益的指导意见》：企业制定修订平台进入退出、订单分配、计件单价、抽成比例、报酬构成及支付、工作时间、奖惩等直接涉及劳动者权益的制度规则和平台算法，应充分听取工会或劳动者代表的意见建议，将结果公示并告知劳动者",
        "文号及发文部门见人社部人社建字〔2024〕82号答复和《法治日报》评论（称“56号文”）；制度规则和算法一句见福建省总工会据该意见发出的提示函（duobangwang.com 转载），经 search 工具核对",
        True,
    ),
    Citation(
        "新就业形态劳动者权益协商指引",
        None,
        "中华全国总工会办公厅、人力资源社会保障部办公厅、中国企业联合会/中国企业家协会办公室、中华全国工商业联合会办公厅2024年11月6日联合印发；协商会议达成的集体合同草案、会议纪要、备忘录等成果经双方首席代表签字，并在十日内向所有适用的劳动者公布",
        "通知及指引全文转载（focustax.cn）与报道（shangyoutai.com），经 search 工具核对",
        True,
    ),
    Citation(
        "平台劳动规则和算法协商指引（试行）",
        None,
        "中华全国总工会、人力资源社会保障部、中国企业联合会/中国企业家协会、中华全国工商业联合会2026年3月联合印发；劳动者一方和平台企业及其用工合作企业一方原则上每年至少开展一次劳动规则和算法协商",
        "人民日报2026年3月21日报道（finance-app.people.cn）及人民网评论引述的条文（m.serenwang.com 转载），经 search 工具核对",
        True,
    ),
    # 工会劳动法律监督办法（中华全国总工会办公厅总工办发〔2021〕9号印发，2021年3月31日）
    Citation(
        "工会劳动法律监督办法",
        None,
        "中华全国总工会办公厅2021年3月31日以总工办发〔2021〕9号印发，规范工会依法对劳动法律法规执行情况进行的有组织的群众监督",
        _SUPERVISION,
        True,
    ),
    Citation(
        "工会劳动法律监督办法",
        20,
        "用人单位存在违反劳动法律法规、侵害劳动者合法权益行为的，工会应当督促其及时改正，必要时发出《工会劳动法律监督意见书》；用人单位接到意见书后，应当在十五个工作日内作出处理意见，并书面告知工会",
        _SUPERVISION,
        True,
    ),
    Citation(
        "工会劳动法律监督办法",
        21,
        "用人单位未按照工会意见改正违法行为的，县级以上地方总工会可以向同级劳动行政等有关部门提出《工会劳动法律监督建议书》",
        _SUPERVISION,
        True,
    ),
    Citation(
        "工会劳动法律监督办法",
        22,
        "用人单位违反集体合同，侵犯职工劳动权益的，工会可以依法要求用人单位纠正、承担责任；因履行集体合同发生争议，经协商解决不成的，工会可以依法申请仲裁、提起诉讼",
        _SUPERVISION,
        True,
    ),
    Citation(
        "全国年节及纪念日放假办法",
        2,
        "全体公民放假的节日：元旦放假1天（1月1日）；春节放假4天（农历除夕、正月初一至初三）；清明节放假1天（农历清明当日）；劳动节放假2天（5月1日、2日）；端午节放假1天（农历端午当日）；中秋节放假1天（农历中秋当日）；国庆节放假3天（10月1日至3日）（2024年11月10日国务院第四次修订，2025年1月1日起施行）",
        "国务院令全文转载（发布时间2024年11月10日，经 search 工具核对）",
        True,
    ),
    Citation(
        "陕西省企业工资集体协商条例",
        None,
        "陕西省地方性法规，2019年3月1日起施行，七章五十四条；第二十条规定企业经济效益增长的可以通过工资集体协商加大职工工资调整幅度，效益下降、无力维持现有工资水平的可以适当调整工资水平",
        "陕西省人大常委会新闻发布会报道（yybnet.net、gjnews.cn），经 search 工具核对；条例全文及其是否把年度调资与工资指导线挂钩、在哪一条，本项目尚未见到原文",
        False,
    ),
    Citation(
        "陕西省企业集体合同条例",
        None,
        "陕西省人大常委会2001年通过、2002年1月1日施行，规范本省企业集体协商和集体合同的审查管理；地方工会和产业工会指导集体协商",
        _SEARCH,
        True,
    ),
    Citation(
        "关于扩大新就业形态人员职业伤害保障试点的通知",
        None,
        "人社部等九部门2025年印发：2025年7月1日起新增天津、河北、辽宁、浙江、安徽、福建、山东、湖北、广西、宁夏十个省份；2026年扩大到全国所有省份，出行、即时配送、同城货运三个行业的平台企业总体纳入",
        _SEARCH,
        True,
    ),
)

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int:
    """The value of a Chinese numeral below 10000 (十九, 二百零三) or of Arabic digits."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            total += (digit or 1) * _UNITS[ch]
            digit = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + digit


_NUM = r"[0-9零〇一二两三四五六七八九十百千]+"
_ARTICLES = rf"第{_NUM}条(?:(?:至|、)第{_NUM}条)*"
_PATTERN = re.compile(rf"《(?P<law>[^》]+)》(?P<articles>{_ARTICLES})?|(?P<doc>人社[部厅]发〔\d{{4}}〕\d+号)")
_ONE = re.compile(rf"(至|、)?第({_NUM})条")
_PREFIX = "中华人民共和国"


def _law_name(raw: str) -> str:
    return raw.removeprefix(_PREFIX)


def citations_in(text: str) -> list[tuple[str, int | None]]:
    """Every (law, article) a text cites, in order; a title with no article gives (law, None)."""
    out: list[tuple[str, int | None]] = []
    for m in _PATTERN.finditer(text):
        if m.group("doc"):
            out.append((m.group("doc"), None))
            continue
        law = _law_name(m.group("law"))
        articles = m.group("articles")
        if not articles:
            out.append((law, None))
            continue
        previous: int | None = None
        for joiner, number in _ONE.findall(articles):
            value = chinese_number(number)
            if joiner == "至" and previous is not None:
                out.extend((law, a) for a in range(previous + 1, value + 1))
            else:
                out.append((law, value))
            previous = value
    return out


_INDEX = {(c.law, c.article): c for c in CITATIONS}


def citation_of(law: str, article: int | None = None) -> Citation | None:
    """The table's entry for an article (law with or without 中华人民共和国), or None."""
    return _INDEX.get((_law_name(law), article))


def is_known(law: str, article: int | None = None) -> bool:
    """Whether the table lists the article."""
    return citation_of(law, article) is not None


def unknown_citations(text: str) -> list[tuple[str, int | None]]:
    """The citations of a text that the table does not list."""
    return [c for c in citations_in(text) if not is_known(*c)]
