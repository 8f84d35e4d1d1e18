"""The stories the outreach demo plays (demo/outreach.py): what grid workers find on their
visits, the 微心愿 heard on visits, calls, markets and at the window, the hotline tickets and the
救助赶大集 events, with the path each takes through its lifecycle.

Every state of the wish ledger (domain.md §11) and of the ticket workflow (§12) appears, with
overdue and escalated wishes, one reopened after a 回访 with 不满意 and one reopened and closed,
SLA breaches (unreplied past the deadline, replied late), 督办 and a ticket reopened after an
unsatisfied rating. Ages are days before the day the seed runs.
"""

from __future__ import annotations

from typing import NamedTuple

from outreach.models import Satisfaction

from .cases import TOWNSHIP_C
from .reference import TOWNSHIP_A, TOWNSHIP_B

FINDINGS = [
    "老人身体状况稳定，按时服药，冬季取暖已准备好", "家庭成员无变化，收入来源仍以务农为主",
    "户主腰腿疼痛行动不便，日常起居由邻居帮忙照看", "子女在外务工，每月寄回少量生活费，生活基本有保障",
    "住房为土木结构，屋顶局部有渗漏，已提醒注意安全", "家中有慢性病人，近期病情平稳，药费负担较重",
    "救助金按月到账，家庭生活基本稳定", "用电用水正常，家中卫生整洁",
]
NEEDS = ["", "", "", "希望了解医疗救助怎么报销", "希望帮助联系危房改造", "希望孩子上学能有资助"]
DELIVERY = "送达暖心关怀联系卡，讲解卡上的政策、责任部门和热线电话，家庭成员签字确认"
LEAD_FINDINGS = "核实救助赶大集现场反映的困难线索：家中有人患病，收入下降，已指导提出救助申请"
ASSIGNEES = {  # category → responsible department; the rest go to a village cadre
    "medical": "区医疗保障局", "education": "区教育局学生资助中心",
    "housing": "区住房和城乡建设局", "employment": "区人力资源和社会保障局",
}
CADRE = ("村党支部书记 马建华", "13993301234")
FEEDBACK = "已上门向心愿人告知办理结果，心愿人表示知晓"
REVISITS = {Satisfaction.SATISFIED: "电话回访，心愿人对办理结果满意",
            Satisfaction.BASIC: "回访：问题已解决，希望今后多上门看看"}
# Working days between the steps of a wish (min, max); 0 = later the same day.
WISH_GAPS = {"classify": (0, 1), "on_spot": (0, 0), "on_spot_fb": (0, 0), "assign": (0, 1),
             "start": (1, 2), "resolve": (2, 7), "feedback": (1, 2), "revisit": (2, 5),
             "unsatisfied": (2, 5), "close": (1, 2)}
_HANDLED = "classify assign start resolve feedback"
PATHS = {
    "collected": "", "classified": "classify", "on_spot": "on_spot", "on_spot_fb": "on_spot_fb",
    "assigned": "classify assign", "in_progress": "classify assign start",
    "resolved": "classify assign start resolve", "feedback": _HANDLED,
    "revisited": f"{_HANDLED} revisit", "closed": f"{_HANDLED} revisit close",
    "reopened": f"{_HANDLED} unsatisfied",
    "reopened_closed": f"{_HANDLED} unsatisfied resolve feedback revisit close",
}


class WishSpec(NamedTuple):
    source: str  # visit | hotline | event | other
    where: str | int  # a TOWNSHIP_GROUPS key ("A" = 大寨村), or the TICKETS / EVENTS index
    path: str
    age: int  # days ago it was heard (visit, other); a ticket's or event's own day otherwise
    category: str
    content: str
    result: str = ""
    complaint: str = ""  # why the 回访 found the household unsatisfied
    redo: str = ""  # what the second round did about it


WISHES = [
    WishSpec("visit", "A", "collected", 2, "housing", "灶台烟道漏烟，想请人帮忙修一修"),
    WishSpec("visit", "A", "classified", 4, "medical", "老伴常年吃降压药，想办一张慢性病门诊卡"),
    WishSpec("visit", "A", "assigned", 5, "employment", "儿子腿有残疾，想在村里找个公益性岗位"),
    WishSpec("visit", "A", "in_progress", 35, "housing", "房顶漏雨，想在入冬前把瓦重新翻修"),
    WishSpec("visit", "A", "feedback", 18, "education", "孙子明年上初中，想了解寄宿生生活补助",
             "已协助提交寄宿生生活补助申请，下学期起发放"),
    WishSpec("visit", "A", "revisited", 30, "living", "冬天取暖煤不够，希望帮助解决一些",
             "已协调发放取暖煤1吨"),
    WishSpec("visit", "A", "closed", 70, "medical", "想请医生上门给卧床的母亲看病",
             "镇卫生院家庭医生已上门诊疗，签约每月随访"),
    WishSpec("visit", "A", "closed", 95, "care", "独居，希望有人定期上门看看",
             "已安排邻里互助员每周上门两次"),
    WishSpec("visit", "A", "reopened_closed", 100, "living", "旧轮椅坏了，想申请一台新轮椅",
             "已由区残联配发轮椅一台", "轮椅尺寸偏小，老人坐着不舒服", "已更换为加宽型轮椅并上门调试"),
    WishSpec("visit", "a", "on_spot", 6, "policy", "想知道救助金每月几号到账",
             "当场告知每月10日前发放到一卡通，并教会查询余额"),
    WishSpec("visit", "a", "resolved", 16, "living", "想要一床厚棉被过冬", "已送去棉被两床、棉衣一件"),
    WishSpec("visit", "a", "closed", 60, "employment", "想参加养殖技能培训",
             "已报名参加镇上举办的肉牛养殖培训班"),
    WishSpec("visit", "B", "assigned", 32, "medical", "住院报销后自付部分还很多，想申请医疗救助"),
    WishSpec("visit", "B", "closed", 80, "education", "女儿考上高中，学费有困难", "已落实普通高中国家助学金"),
    WishSpec("visit", "C", "revisited", 28, "care", "行动不便，想申请居家养老上门服务",
             "已纳入社区居家养老服务，每周上门两次"),
    WishSpec("visit", "C", "in_progress", 7, "housing", "楼道扶手松动，老人上下楼不安全"),
    WishSpec("hotline", 2, "collected", 0, "living", "家人住院期间无人照看孩子，希望得到帮助"),
    WishSpec("hotline", 5, "classified", 0, "policy", "希望有人上门帮忙准备特困供养申请材料"),
    WishSpec("hotline", 6, "in_progress", 0, "education", "孩子到县城上学交通费负担重，希望帮助解决"),
    WishSpec("hotline", 7, "in_progress", 0, "housing", "危房改造补助迟迟未到位，希望尽快拨付"),
    WishSpec("hotline", 11, "on_spot_fb", 0, "care", "需要一副助行器", "已从镇残疾人之家借用助行器一副"),
    WishSpec("hotline", 17, "feedback", 0, "care", "老人需要长期护理，希望了解护理补贴",
             "已为老人申请重度残疾人护理补贴"),
    WishSpec("hotline", 18, "reopened", 0, "living", "自来水管冻裂，家里断水",
             "已联系村水管员更换水管", "更换后接口仍然漏水", "已重新更换接头并做保温处理"),
    WishSpec("hotline", 19, "closed", 0, "medical", "想给孩子办理门诊慢特病", "已协助办理门诊慢特病待遇"),
    WishSpec("hotline", 25, "closed", 0, "living", "希望解决冬季取暖问题", "已发放取暖补贴并送煤上门"),
    WishSpec("event", 0, "closed", 0, "policy", "想知道残疾人两项补贴怎么申请",
             "已协助提交两项补贴申请并获批"),
    WishSpec("event", 0, "closed", 0, "employment", "想在镇上找一份零工", "已推荐到镇扶贫车间就业"),
    WishSpec("event", 1, "closed", 0, "medical", "老人需要配一副老花镜", "已联系眼科义诊免费验配"),
    WishSpec("event", 1, "revisited", 0, "living", "希望得到一些冬季衣物", "已发放棉衣棉鞋各一套"),
    WishSpec("event", 2, "feedback", 0, "education", "孩子想参加课后托管", "已纳入社区课后托管服务"),
    WishSpec("event", 2, "assigned", 0, "housing", "租住的房子漏水，想申请公租房"),
    WishSpec("event", 3, "assigned", 0, "employment", "想学电焊手艺"),
    WishSpec("event", 3, "classified", 0, "medical", "想做一次免费体检"),
    WishSpec("other", "A", "closed", 45, "care", "老人想装一部紧急呼叫电话", "已安装一键呼叫设备"),
    WishSpec("other", "a", "collected", 0, "living", "希望帮忙修理漏水的屋顶"),
    WishSpec("other", "B", "on_spot", 3, "policy", "咨询临时救助怎么申请", "当场讲解政策并发放申请表"),
    WishSpec("other", "C", "closed", 55, "education", "孩子想要一套学习用品", "已送去书包和学习用品"),
    WishSpec("other", "B", "resolved", 14, "living", "家里的电饭锅坏了", "已由爱心企业捐赠电饭锅一台"),
    WishSpec("other", "a", "assigned", 2, "medical", "想申请家庭医生签约服务"),
    WishSpec("other", "C", "revisited", 24, "care", "希望社区帮忙代买药品", "已安排志愿者每周代买"),
]


class TicketSpec(NamedTuple):
    age: int
    hour: int
    channel: str
    topic: str
    urgency: str
    where: str  # township group, a department's short name, or "" (the county keeps it)
    path: str  # "step:gap[:arg]" …; gap "3h" hours or "2d" working days after the last step
    subject: str
    content: str


DEPARTMENTS = {"医保": "区医疗保障局", "人社": "区人力资源和社会保障局"}
G, U = "general", "urgent"
TICKETS = [
    TicketSpec(0, 9, "county", "consultation", G, "", "", "咨询低保申请材料",
               "来电人询问家中老人申请低保需要准备哪些材料、到哪里办理。"),
    TicketSpec(0, 8, "12349", "help", U, "", "", "独居老人家中断电",
               "来电人反映其父亲独居，家中线路老化断电，天冷取暖困难，请求尽快帮助。"),
    TicketSpec(1, 15, "county", "help", G, "A", "", "临时救助申请进度",
               "来电人反映家人住院花费较大，已向镇上申请临时救助，询问办理进度。"),
    TicketSpec(2, 11, "12345", "complaint", G, "B", "", "反映低保评议不公",
               "12345转办：来电人反映本村个别低保户家庭条件较好，要求核查。"),
    TicketSpec(3, 9, "12349", "help", U, "C", "", "重度残疾人无人照料",
               "来电人反映邻居为重度残疾人，家属外出，无人照料，请求社区上门查看。"),
    TicketSpec(2, 14, "county", "consultation", G, "A", "accept:3h", "咨询特困供养条件",
               "来电人询问独居老人申请特困供养的条件和流程。"),
    TicketSpec(5, 10, "city", "help", G, "B", "accept:1d", "孩子上学费用困难",
               "来电人反映孩子在县城读书，交通和生活费负担重。"),
    TicketSpec(18, 10, "county", "complaint", G, "A", "accept:1d supervise:10d",
               "反映危房改造补助未到位", "来电人反映去年申请的危房改造补助至今未拨付。"),
    TicketSpec(25, 16, "12345", "report", G, "B", "accept:1d supervise:5d supervise:4d",
               "举报冒领低保金", "12345转办：举报人反映某户家庭成员已去世仍在领取低保金。"),
    TicketSpec(14, 9, "county", "complaint", G, "A",
               "accept:2h reply:3d close:1d revisit:2d rate:0h:unsatisfied", "反映取暖补贴未发放",
               "来电人反映本村其他困难户已领到取暖补贴，自己家还没有。"),
    TicketSpec(4, 10, "county", "consultation", G, "医保", "accept:1h reply:1d", "咨询大病医疗救助",
               "来电人询问大病住院后医疗救助的报销比例和办理地点。"),
    TicketSpec(6, 11, "12349", "help", G, "A", "accept:2h reply:3d", "申请助行辅具",
               "来电人反映母亲腿脚不便，希望申请助行器或轮椅。"),
    TicketSpec(20, 9, "12345", "complaint", G, "B", "accept:1d reply:7d", "反映低保金发放延迟",
               "12345转办：来电人反映本月低保金比往月晚到账。"),
    TicketSpec(9, 15, "province", "consultation", G, "", "accept:1h reply:1d close:1d",
               "咨询异地居住能否领取救助", "来电人常年在外地照顾子女，询问户籍地救助待遇能否继续领取。"),
    TicketSpec(11, 10, "county", "help", U, "A", "accept:1h reply:5h close:1d", "家中失火求助",
               "来电人反映家中厨房失火，部分生活用品烧毁，请求临时救助。"),
    TicketSpec(13, 14, "12349", "help", G, "C", "accept:1d reply:4d close:1d", "申请居家养老服务",
               "来电人为空巢老人，希望社区提供助餐和上门服务。"),
    TicketSpec(16, 10, "city", "consultation", G, "人社", "accept:2h reply:2d close:1d revisit:2d",
               "咨询公益性岗位", "来电人询问低保家庭成员如何申请公益性岗位。"),
    TicketSpec(19, 9, "county", "help", G, "B", "accept:1d reply:5d close:1d revisit:1d",
               "老人护理困难", "来电人反映父亲瘫痪在床，家人无力长期护理。"),
    TicketSpec(22, 11, "12345", "help", G, "A", "accept:1d reply:3d close:1d revisit:2d",
               "自来水管冻裂", "12345转办：来电人反映家中水管冻裂断水，请求帮助维修。"),
    TicketSpec(28, 10, "county", "help", G, "A", "accept:2h reply:4d close:1d revisit:2d rate:0h:satisfied",
               "孩子就医困难", "来电人反映孩子患慢性病，门诊费用负担重。"),
    TicketSpec(33, 9, "12349", "help", U, "A", "accept:1h reply:6h close:1d revisit:1d rate:0h:satisfied",
               "老人走失后寻回需安置", "来电人反映独居老人走失后被寻回，需临时照料。"),
    TicketSpec(40, 15, "12345", "complaint", G, "B", "accept:1d reply:3d close:1d revisit:2d rate:0h:basic",
               "反映入户调查态度不好", "12345转办：来电人反映入户调查人员态度生硬。"),
    TicketSpec(47, 10, "county", "consultation", G, "", "reply:1h close:1d revisit:3d rate:0h:satisfied",
               "咨询低保标准", "来电人询问今年农村低保标准。"),
    TicketSpec(55, 11, "city", "help", G, "C", "accept:1d reply:5d close:1d revisit:2d rate:0h:satisfied",
               "失业后生活困难", "来电人反映失业半年，家庭生活困难。"),
    TicketSpec(62, 9, "county", "complaint", G, "A",
               "accept:1d supervise:10d reply:2d close:1d revisit:2d rate:0h:basic",
               "反映临时救助审批慢", "来电人反映临时救助申请一个多月没有结果。"),
    TicketSpec(70, 14, "12349", "help", G, "B", "accept:1d reply:4d close:1d revisit:3d rate:0h:satisfied",
               "冬季取暖困难", "来电人反映家中取暖煤不够过冬。"),
    TicketSpec(78, 10, "province", "consultation", G, "医保",
               "accept:2h reply:2d close:1d revisit:2d rate:0h:satisfied", "咨询医保参保资助",
               "来电人询问特困人员参加居民医保是否全额资助。"),
    TicketSpec(86, 16, "12345", "help", G, "A", "accept:1d reply:3d close:1d revisit:2d rate:0h:satisfied",
               "残疾人两项补贴", "12345转办：来电人询问残疾人两项补贴为何停发。"),
    TicketSpec(95, 9, "county", "help", U, "C", "accept:1h reply:20h close:1d revisit:2d rate:0h:basic",
               "突发疾病急需救助", "来电人反映丈夫突发脑梗住院，家中无力支付费用。"),
    TicketSpec(108, 10, "letter", "suggestion", G, "",
               "accept:1d reply:6d close:1d revisit:3d rate:0h:satisfied",
               "建议简化申请材料", "来信建议救助申请材料能够一次告知、网上提交。"),
]
REPLY = "经核实，已按政策办理并电话告知来电人办理结果和后续事项"


class EventSpec(NamedTuple):
    age: int
    township: str
    title: str
    place: str
    consultations: tuple[int, ...]
    opinions: int
    materials: int
    applications: int
    leads: int


EVENTS = [
    EventSpec(96, "620802102000", "救助赶大集·花所镇集市", "花所镇集贸市场", (150, 110, 64), 38, 520, 0, 2),
    EventSpec(61, TOWNSHIP_B, "救助赶大集·白水镇逢集日", "白水镇政府门前广场", (130, 96), 45, 610, 1, 3),
    EventSpec(33, TOWNSHIP_C, "社会救助政策进社区·东关街道", "东关街道便民服务中心", (88, 72, 41),
              27, 340, 2, 2),
    EventSpec(12, TOWNSHIP_A, "救助赶大集·崆峒镇集市", "崆峒镇集贸市场", (160, 120), 52, 700, 2, 3),
]
