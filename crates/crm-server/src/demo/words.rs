//! The demo's vocabulary: provinces weighted by population, foreign
//! company names, words for Chinese company and person names, tags.

use crm_domain::customer::Industry;

/// Province codes weighted by population (millions, 2020 census).
pub const PROVINCES: [(&str, u32); 31] = [
    ("440000", 126),
    ("370000", 101),
    ("410000", 99),
    ("320000", 85),
    ("510000", 84),
    ("130000", 75),
    ("430000", 66),
    ("330000", 65),
    ("340000", 61),
    ("420000", 58),
    ("450000", 50),
    ("530000", 47),
    ("360000", 45),
    ("210000", 43),
    ("350000", 41),
    ("610000", 40),
    ("520000", 39),
    ("140000", 35),
    ("500000", 32),
    ("230000", 32),
    ("650000", 26),
    ("310000", 25),
    ("620000", 25),
    ("150000", 24),
    ("220000", 24),
    ("110000", 22),
    ("120000", 14),
    ("460000", 10),
    ("640000", 7),
    ("630000", 6),
    ("540000", 4),
];

pub const FOREIGN: [(&str, &str); 8] = [
    ("US", "Northwind Traders Inc."),
    ("DE", "Acme Industrietechnik GmbH"),
    ("JP", "Kita Precision Co., Ltd."),
    ("SG", "Blue Harbor Logistics Pte. Ltd."),
    ("GB", "Thames Analytics Ltd."),
    ("KR", "Hanul Materials Co."),
    ("FR", "Lumière Retail SAS"),
    ("AU", "Southern Cross Foods Pty Ltd"),
];

pub const WORDS: [&str; 20] = [
    "云帆", "华信", "恒通", "瑞丰", "金桥", "天成", "鼎盛", "新锐", "博远", "汇智", "远航", "明德",
    "嘉禾", "盛世", "东方", "中创", "卓越", "星河", "海纳", "正泰",
];
pub const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗",
];
pub const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "志远",
];
pub const TAGS: [(&str, &str); 5] = [
    ("重点客户", "#d4380d"),
    ("老客户", "#389e0d"),
    ("潜在大客户", "#1677ff"),
    ("已签约", "#722ed1"),
    ("需回访", "#fa8c16"),
];

pub fn industry_word(industry: Industry) -> &'static str {
    match industry {
        Industry::Agriculture => "农业",
        Industry::Manufacturing => "机械制造",
        Industry::Energy => "能源",
        Industry::Construction => "建设工程",
        Industry::Retail => "商贸",
        Industry::Wholesale => "贸易",
        Industry::Logistics => "物流",
        Industry::Hospitality => "餐饮管理",
        Industry::Technology => "科技",
        Industry::Telecom => "通信",
        Industry::Finance => "投资",
        Industry::RealEstate => "置业",
        Industry::ProfessionalServices => "咨询",
        Industry::Education => "教育科技",
        Industry::Healthcare => "医疗器械",
        Industry::Media => "文化传媒",
        Industry::Government | Industry::NonProfit | Industry::Other => "服务",
    }
}
