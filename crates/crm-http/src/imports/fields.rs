//! The fields a CSV column can fill, per entity; the mapping suggested from
//! column names (English or Chinese); and how a cell becomes a value of the
//! entity's merge-patch body. Cells are read the way people type them in a
//! spreadsheet: `12,500.00` or `¥12500` for money, `2026/3/1` or
//! `2026年3月1日` for dates, `是` / `否` for yes and no, the web app's words
//! (`制造业`, `展会`) for vocabularies, region names (`广东省`, `深圳`) for
//! regions, a user's e-mail for the owner, tag names for tags. A blank cell
//! leaves the field alone.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use crm_api_types::imports::{ImportEntity, ImportField};
use crm_domain::custom_field::FieldType;
use crm_domain::customer::{CustomerKind, Gender, Industry, LifecycleStage, SizeBand, Source};
use crm_domain::sales::OrderStatus;
use serde_json::{Map, Value, json};

use super::regions::{Level, RegionIndex};

/// How a cell is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Text,
    Integer,
    Number,
    Money,
    /// An amount as integer minor units (order lines' prices).
    Minor,
    Date,
    Bool,
    /// One of a vocabulary: its codes, and the label prefix in the web app's catalogs.
    Choice(&'static [&'static str], &'static str),
    /// A user's e-mail → `owner_id`.
    Owner,
    /// Tag names → `tag_ids`.
    Tags,
    Region(Level),
    Custom(FieldType),
}

/// A field a column can fill.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub kind: Kind,
    pub required: bool,
    /// Column names (normalised) that suggest it.
    pub aliases: Vec<&'static str>,
}

fn field(name: &str, kind: Kind, required: bool, aliases: &[&'static str]) -> Field {
    Field {
        name: name.to_owned(),
        kind,
        required,
        aliases: aliases.to_vec(),
    }
}

macro_rules! codes {
    ($t:ty) => {{
        static CODES: std::sync::LazyLock<Vec<&'static str>> =
            std::sync::LazyLock::new(|| <$t>::ALL.iter().map(|v| v.as_str()).collect());
        CODES.as_slice()
    }};
}

/// The fields of an entity; `custom` are the workspace's custom-field keys and types.
pub fn fields_of(entity: ImportEntity, custom: &[(String, FieldType)]) -> Vec<Field> {
    match entity {
        ImportEntity::Customers => {
            let mut fields = vec![
                field(
                    "name",
                    Kind::Text,
                    true,
                    &[
                        "name",
                        "名称",
                        "客户名称",
                        "客户",
                        "公司名称",
                        "企业名称",
                        "公司",
                        "姓名",
                        "customer",
                        "company",
                    ],
                ),
                field(
                    "external_id",
                    Kind::Text,
                    false,
                    &[
                        "external_id",
                        "external id",
                        "编号",
                        "客户编号",
                        "外部编号",
                        "erp编号",
                        "客户代码",
                        "code",
                    ],
                ),
                field(
                    "kind",
                    Kind::Choice(codes!(CustomerKind), "kind"),
                    false,
                    &["kind", "type", "类型", "客户类型"],
                ),
                field(
                    "industry",
                    Kind::Choice(codes!(Industry), "industry"),
                    false,
                    &["industry", "行业", "所属行业"],
                ),
                field(
                    "size_band",
                    Kind::Choice(codes!(SizeBand), "size"),
                    false,
                    &["size", "size_band", "规模", "企业规模"],
                ),
                field(
                    "employee_count",
                    Kind::Integer,
                    false,
                    &["employees", "employee_count", "员工数", "人数", "员工人数"],
                ),
                field(
                    "annual_revenue",
                    Kind::Money,
                    false,
                    &[
                        "annual revenue",
                        "annual_revenue",
                        "年营业额",
                        "年收入",
                        "营业额",
                    ],
                ),
                field(
                    "email",
                    Kind::Text,
                    false,
                    &["email", "e-mail", "邮箱", "电子邮件", "电子邮箱"],
                ),
                field(
                    "phone",
                    Kind::Text,
                    false,
                    &[
                        "phone",
                        "telephone",
                        "mobile",
                        "电话",
                        "手机",
                        "手机号",
                        "联系电话",
                    ],
                ),
                field(
                    "website",
                    Kind::Text,
                    false,
                    &["website", "web", "url", "网站", "网址", "官网"],
                ),
                field(
                    "country",
                    Kind::Region(Level::Country),
                    false,
                    &["country", "国家", "国家/地区"],
                ),
                field(
                    "province",
                    Kind::Region(Level::Province),
                    false,
                    &["province", "state", "省", "省份", "省/直辖市"],
                ),
                field(
                    "city",
                    Kind::Region(Level::City),
                    false,
                    &["city", "市", "城市"],
                ),
                field(
                    "district",
                    Kind::Region(Level::District),
                    false,
                    &["district", "区", "区县", "区/县"],
                ),
                field(
                    "address",
                    Kind::Text,
                    false,
                    &["address", "地址", "详细地址"],
                ),
                field(
                    "gender",
                    Kind::Choice(codes!(Gender), "gender"),
                    false,
                    &["gender", "sex", "性别"],
                ),
                field(
                    "birth_date",
                    Kind::Date,
                    false,
                    &["birth date", "birthday", "birth_date", "生日", "出生日期"],
                ),
                field(
                    "source",
                    Kind::Choice(codes!(Source), "source"),
                    false,
                    &["source", "来源", "客户来源"],
                ),
                field(
                    "lifecycle_stage",
                    Kind::Choice(codes!(LifecycleStage), "stage"),
                    false,
                    &[
                        "lifecycle stage",
                        "lifecycle_stage",
                        "stage",
                        "阶段",
                        "生命周期",
                        "生命周期阶段",
                    ],
                ),
                field(
                    "owner_email",
                    Kind::Owner,
                    false,
                    &[
                        "owner",
                        "owner email",
                        "owner_email",
                        "负责人",
                        "负责人邮箱",
                        "销售",
                    ],
                ),
                field("tags", Kind::Tags, false, &["tags", "tag", "标签"]),
            ];
            fields.extend(
                custom
                    .iter()
                    .map(|(key, t)| field(&format!("custom.{key}"), Kind::Custom(*t), false, &[])),
            );
            fields
        }
        ImportEntity::Contacts => {
            let mut fields = vec![
                field(
                    "name",
                    Kind::Text,
                    true,
                    &["name", "姓名", "联系人", "联系人姓名", "contact"],
                ),
                field(
                    "external_id",
                    Kind::Text,
                    false,
                    &["external_id", "external id", "联系人编号", "编号"],
                ),
                field(
                    "customer_external_id",
                    Kind::Text,
                    true,
                    &[
                        "customer_external_id",
                        "customer",
                        "customer id",
                        "客户编号",
                        "客户代码",
                    ],
                ),
                field(
                    "title",
                    Kind::Text,
                    false,
                    &["title", "job title", "职位", "职务"],
                ),
                field("department", Kind::Text, false, &["department", "部门"]),
                field(
                    "email",
                    Kind::Text,
                    false,
                    &["email", "e-mail", "邮箱", "电子邮件"],
                ),
                field(
                    "phone",
                    Kind::Text,
                    false,
                    &["phone", "mobile", "电话", "手机", "手机号"],
                ),
                field(
                    "is_primary",
                    Kind::Bool,
                    false,
                    &["primary", "is_primary", "主联系人", "是否主联系人"],
                ),
            ];
            fields.extend(
                custom
                    .iter()
                    .map(|(key, t)| field(&format!("custom.{key}"), Kind::Custom(*t), false, &[])),
            );
            fields
        }
        ImportEntity::Orders => vec![
            field(
                "external_id",
                Kind::Text,
                true,
                &[
                    "external_id",
                    "order number",
                    "order no",
                    "订单号",
                    "订单编号",
                    "单号",
                    "单据编号",
                ],
            ),
            field(
                "customer_external_id",
                Kind::Text,
                true,
                &[
                    "customer_external_id",
                    "customer",
                    "customer id",
                    "客户编号",
                    "客户代码",
                ],
            ),
            field(
                "order_date",
                Kind::Date,
                true,
                &[
                    "order_date",
                    "order date",
                    "date",
                    "订单日期",
                    "下单日期",
                    "日期",
                    "单据日期",
                ],
            ),
            field(
                "status",
                Kind::Choice(codes!(OrderStatus), "order_status"),
                false,
                &["status", "状态", "订单状态"],
            ),
            field("currency", Kind::Text, false, &["currency", "币种", "货币"]),
            field(
                "owner_email",
                Kind::Owner,
                false,
                &["owner", "owner email", "负责人", "销售", "业务员"],
            ),
            field("note", Kind::Text, false, &["note", "notes", "备注"]),
            field(
                "line.sku",
                Kind::Text,
                false,
                &["sku", "物料编码", "商品编码", "货号", "产品编码", "料号"],
            ),
            field(
                "line.product_external_id",
                Kind::Text,
                false,
                &["product_external_id", "product id", "产品编号"],
            ),
            field(
                "line.quantity",
                Kind::Number,
                true,
                &["quantity", "qty", "数量"],
            ),
            field(
                "line.unit_price",
                Kind::Minor,
                false,
                &["unit price", "price", "单价", "价格"],
            ),
            field(
                "line.discount",
                Kind::Minor,
                false,
                &["discount", "折扣", "折扣金额", "优惠"],
            ),
        ],
        ImportEntity::Products => vec![
            field(
                "sku",
                Kind::Text,
                true,
                &["sku", "物料编码", "商品编码", "货号", "产品编码", "料号"],
            ),
            field(
                "name",
                Kind::Text,
                true,
                &["name", "名称", "产品名称", "商品名称", "品名", "product"],
            ),
            field(
                "external_id",
                Kind::Text,
                false,
                &["external_id", "external id", "编号", "外部编号", "erp编号"],
            ),
            field(
                "category",
                Kind::Text,
                false,
                &["category", "类别", "分类", "产品类别"],
            ),
            field("unit", Kind::Text, false, &["unit", "单位"]),
            field(
                "price",
                Kind::Money,
                false,
                &["price", "unit price", "价格", "单价", "售价"],
            ),
            field(
                "active",
                Kind::Bool,
                false,
                &["active", "enabled", "启用", "是否启用", "状态"],
            ),
            field(
                "description",
                Kind::Text,
                false,
                &["description", "描述", "说明", "备注"],
            ),
        ],
    }
}

/// The catalogue entry of a field, as the API describes it.
pub fn describe(f: &Field) -> ImportField {
    let format = match &f.kind {
        Kind::Text => "text".to_owned(),
        Kind::Integer => "whole number".to_owned(),
        Kind::Number => "number".to_owned(),
        Kind::Minor => "amount in the order's currency, e.g. 388.00".to_owned(),
        Kind::Money => "amount in the workspace's base currency, e.g. 12500.00".to_owned(),
        Kind::Date => "date, e.g. 2026-03-01".to_owned(),
        Kind::Bool => "yes or no (是 / 否, true / false, 1 / 0)".to_owned(),
        Kind::Choice(codes, _) => format!("one of {} (or the app's label)", codes.join(", ")),
        Kind::Owner => "e-mail of a user".to_owned(),
        Kind::Tags => "tag names separated by , ; or |".to_owned(),
        Kind::Region(_) => "region name or code".to_owned(),
        Kind::Custom(t) => format!("custom field ({t})"),
    };
    ImportField {
        name: f.name.clone(),
        required: f.required,
        format,
    }
}

fn normalise(name: &str) -> String {
    name.trim()
        .trim_end_matches(['*', ':', '：'])
        .to_lowercase()
        .replace(['_', '-'], " ")
}

/// Column → field, for the columns whose name says which field they are.
pub fn suggest(columns: &[String], fields: &[Field]) -> BTreeMap<String, String> {
    let mut mapping = BTreeMap::new();
    let mut taken = std::collections::HashSet::new();
    for column in columns {
        let name = normalise(column);
        let hit = fields.iter().find(|f| {
            !taken.contains(&f.name)
                && (normalise(&f.name) == name
                    || f.aliases.iter().any(|a| normalise(a) == name)
                    || f.name
                        .strip_prefix("custom.")
                        .is_some_and(|k| normalise(k) == name))
        });
        if let Some(f) = hit {
            taken.insert(f.name.clone());
            mapping.insert(column.clone(), f.name.clone());
        }
    }
    mapping
}

/// The web app's words for the vocabularies: `(prefix, label) → code`, from
/// its Fluent catalogs, so a file typed in the app's language imports.
fn labels() -> &'static HashMap<(String, String), String> {
    static LABELS: std::sync::LazyLock<HashMap<(String, String), String>> =
        std::sync::LazyLock::new(|| {
            let mut map = HashMap::new();
            for catalog in [
                include_str!("../../../../frontend/locales/zh-CN.ftl"),
                include_str!("../../../../frontend/locales/en.ftl"),
            ] {
                for line in catalog.lines() {
                    let Some((key, label)) = line.split_once(" = ") else {
                        continue;
                    };
                    let Some((prefix, code)) = key.trim().split_once('-') else {
                        continue;
                    };
                    if ["kind", "industry", "size", "stage", "source", "gender"].contains(&prefix) {
                        map.insert(
                            (prefix.to_owned(), label.trim().to_lowercase()),
                            code.replace('-', "_"),
                        );
                    }
                }
            }
            map
        });
    &LABELS
}

/// What converting one row needs from the workspace.
pub struct Context {
    pub base_currency: String,
    /// Lower-cased e-mail → user id.
    pub users: HashMap<String, uuid::Uuid>,
    /// Tag name → tag id.
    pub tags: HashMap<String, uuid::Uuid>,
    pub regions: RegionIndex,
}

/// A row's cells as the entity's merge-patch body, or its errors by column.
pub fn record(
    cells: &[String],
    columns: &[(usize, &Field)],
    headers: &[String],
    ctx: &Context,
) -> Result<Value, BTreeMap<String, Vec<String>>> {
    let mut body = Map::new();
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut regions: [Option<&str>; 4] = [None; 4];
    let mut region_columns: [&str; 4] = ["country", "province", "city", "district"];
    for &(index, f) in columns {
        let raw = cells.get(index).map_or("", |s| s.trim());
        if raw.is_empty() {
            continue;
        }
        let column = headers.get(index).map_or(f.name.as_str(), String::as_str);
        if let Kind::Region(level) = f.kind {
            regions[level as usize] = Some(raw);
            region_columns[level as usize] = column;
            continue;
        }
        match cell(raw, f, ctx) {
            Ok((key, value)) => {
                if let Some(custom) = key.strip_prefix("custom.") {
                    let entry = body
                        .entry("custom_fields")
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(map) = entry {
                        map.insert(custom.to_owned(), value);
                    }
                } else {
                    body.insert(key, value);
                }
            }
            Err(message) => errors.entry(column.to_owned()).or_default().push(message),
        }
    }
    if regions.iter().any(Option::is_some) {
        match ctx.regions.resolve(regions) {
            Ok(codes) => {
                for (key, code) in [
                    "country_code",
                    "province_code",
                    "city_code",
                    "district_code",
                ]
                .into_iter()
                .zip(codes)
                {
                    if let Some(code) = code {
                        body.insert(key.to_owned(), Value::String(code));
                    }
                }
            }
            Err((level, message)) => errors
                .entry(region_columns[level].to_owned())
                .or_default()
                .push(message),
        }
    }
    if errors.is_empty() {
        Ok(Value::Object(body))
    } else {
        Err(errors)
    }
}

/// One cell as `(body key, value)`.
fn cell(raw: &str, f: &Field, ctx: &Context) -> Result<(String, Value), String> {
    let value = match &f.kind {
        Kind::Text => Value::String(raw.to_owned()),
        Kind::Integer => json!(integer(raw)?),
        Kind::Number => json!(number(raw)?),
        Kind::Minor => json!(minor_units(raw)?),
        Kind::Money => json!({"amount_minor": minor_units(raw)?, "currency": ctx.base_currency}),
        Kind::Date => Value::String(date(raw)?.to_string()),
        Kind::Bool => Value::Bool(boolean(raw)?),
        Kind::Choice(codes, prefix) => Value::String(choice(raw, codes, prefix)?),
        Kind::Owner => {
            let id = ctx
                .users
                .get(&raw.to_lowercase())
                .ok_or_else(|| format!("no user has the e-mail {raw}"))?;
            return Ok(("owner_id".to_owned(), json!(id)));
        }
        Kind::Tags => {
            let mut ids = Vec::new();
            for name in raw.split([',', ';', '|', '，', '；', '、']).map(str::trim) {
                if name.is_empty() {
                    continue;
                }
                let id = ctx
                    .tags
                    .get(name)
                    .ok_or_else(|| format!("no tag is named {name}"))?;
                ids.push(json!(id));
            }
            return Ok(("tag_ids".to_owned(), Value::Array(ids)));
        }
        Kind::Region(_) => Value::String(raw.to_owned()),
        Kind::Custom(t) => match t {
            FieldType::Number => json!(number(raw)?),
            FieldType::Boolean => Value::Bool(boolean(raw)?),
            FieldType::Date => Value::String(date(raw)?.to_string()),
            FieldType::MultiSelect => Value::Array(
                raw.split([',', ';', '|', '，', '；', '、'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_owned()))
                    .collect(),
            ),
            _ => Value::String(raw.to_owned()),
        },
    };
    let key = match f.name.as_str() {
        "owner_email" => "owner_id",
        "line.unit_price" => "line.unit_price_minor",
        "line.discount" => "line.discount_minor",
        name => name,
    };
    Ok((key.to_owned(), value))
}

fn strip_number(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '¥' | '￥' | '$' | '€' | '£' | '元'))
        .collect()
}

fn integer(raw: &str) -> Result<i64, String> {
    strip_number(raw)
        .parse()
        .map_err(|_| format!("{raw} is not a whole number"))
}

fn number(raw: &str) -> Result<f64, String> {
    strip_number(raw)
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{raw} is not a number"))
}

/// `12,500.5` → 1250050 (hundredths), exactly, without floating point.
pub fn minor_units(raw: &str) -> Result<i64, String> {
    let bad = || format!("{raw} is not an amount (e.g. 12500.00)");
    let text = strip_number(raw);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    let minor = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(bad)?;
    Ok(if negative { -minor } else { minor })
}

fn date(raw: &str) -> Result<NaiveDate, String> {
    let text = raw.replace(['年', '月', '/', '.'], "-").replace('日', "");
    let text = text.split([' ', 'T']).next().unwrap_or("");
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{raw} is not a date (e.g. 2026-03-01)"))
}

fn boolean(raw: &str) -> Result<bool, String> {
    match raw.to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" | "启用" | "有效" | "在售" | "active" => Ok(true),
        "false" | "no" | "n" | "0" | "否" | "停用" | "无效" | "停售" | "inactive" => {
            Ok(false)
        }
        _ => Err(format!("{raw} is not yes or no")),
    }
}

/// Order statuses as Chinese order systems write them.
const ORDER_STATUS_WORDS: [(&str, &str); 14] = [
    ("草稿", "draft"),
    ("待确认", "draft"),
    ("已确认", "confirmed"),
    ("确认", "confirmed"),
    ("已付款", "paid"),
    ("已支付", "paid"),
    ("已发货", "shipped"),
    ("发货", "shipped"),
    ("已完成", "completed"),
    ("完成", "completed"),
    ("已取消", "cancelled"),
    ("取消", "cancelled"),
    ("已退款", "refunded"),
    ("退款", "refunded"),
];

fn choice(raw: &str, codes: &[&str], prefix: &str) -> Result<String, String> {
    let code = raw.trim().to_lowercase().replace(['-', ' '], "_");
    if codes.contains(&code.as_str()) {
        return Ok(code);
    }
    if prefix == "order_status"
        && let Some((_, code)) = ORDER_STATUS_WORDS.iter().find(|(w, _)| *w == raw.trim())
    {
        return Ok((*code).to_owned());
    }
    labels()
        .get(&(prefix.to_owned(), raw.trim().to_lowercase()))
        .filter(|c| codes.contains(&c.as_str()))
        .cloned()
        .ok_or_else(|| format!("{raw} is not one of {}", codes.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_read_exactly() {
        assert_eq!(minor_units("12,500.5"), Ok(1_250_050));
        assert_eq!(minor_units("¥12500"), Ok(1_250_000));
        assert_eq!(minor_units("0.07"), Ok(7));
        assert_eq!(minor_units("-3.2"), Ok(-320));
        assert!(minor_units("1.234").is_err());
        assert!(minor_units("abc").is_err());
        assert!(minor_units(".").is_err());
    }

    #[test]
    fn dates_and_yes_no_as_typed_in_china() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1);
        assert_eq!(date("2026年3月1日").ok(), d);
        assert_eq!(date("2026/3/1").ok(), d);
        assert_eq!(date("2026-03-01 10:00").ok(), d);
        assert!(date("3/1/2026").is_err());
        assert_eq!(boolean("是"), Ok(true));
        assert_eq!(boolean("停用"), Ok(false));
    }

    #[test]
    fn vocabularies_accept_codes_and_the_apps_labels() {
        let codes = codes!(Industry);
        assert_eq!(
            choice("制造业", codes, "industry").as_deref(),
            Ok("manufacturing")
        );
        assert_eq!(
            choice("Real Estate", codes, "industry").as_deref(),
            Ok("real_estate")
        );
        assert_eq!(
            choice("real-estate", codes, "industry").as_deref(),
            Ok("real_estate")
        );
        assert!(choice("火星", codes, "industry").is_err());
    }

    #[test]
    fn chinese_headers_suggest_fields() {
        let fields = fields_of(
            ImportEntity::Customers,
            &[("vip_level".into(), FieldType::Text)],
        );
        let columns: Vec<String> = [
            "客户名称",
            "客户编号",
            "省份",
            "城市",
            "行业",
            "负责人",
            "备注",
            "VIP_LEVEL",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = suggest(&columns, &fields);
        assert_eq!(m.get("客户名称").map(String::as_str), Some("name"));
        assert_eq!(m.get("客户编号").map(String::as_str), Some("external_id"));
        assert_eq!(m.get("省份").map(String::as_str), Some("province"));
        assert_eq!(m.get("城市").map(String::as_str), Some("city"));
        assert_eq!(m.get("行业").map(String::as_str), Some("industry"));
        assert_eq!(m.get("负责人").map(String::as_str), Some("owner_email"));
        assert_eq!(
            m.get("VIP_LEVEL").map(String::as_str),
            Some("custom.vip_level")
        );
        assert!(!m.contains_key("备注"));
    }
}
