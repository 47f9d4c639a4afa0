//! The fields a CSV column can fill, per entity, with the column names
//! (English or Chinese) that suggest each (`suggest` matches them).

use crm_api_types::imports::{ImportEntity, ImportField};
use crm_domain::custom_field::FieldType;
use crm_domain::customer::{CustomerKind, Gender, Industry, LifecycleStage, SizeBand, Source};
use crm_domain::sales::OrderStatus;

use crm_domain::imports::regions::Level;

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
    /// A pipeline's name → `pipeline_id`.
    Pipeline,
    /// A stage's name (in the row's pipeline) → `stage_id`.
    Stage,
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
        ImportEntity::Deals => vec![
            field(
                "external_id",
                Kind::Text,
                false,
                &["external_id", "external id", "商机编号", "编号", "deal id"],
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
                "name",
                Kind::Text,
                true,
                &["name", "deal", "deal name", "商机名称", "名称", "项目名称"],
            ),
            field(
                "amount",
                Kind::Money,
                true,
                &["amount", "value", "金额", "商机金额", "预计金额"],
            ),
            field("currency", Kind::Text, false, &["currency", "币种", "货币"]),
            field(
                "pipeline",
                Kind::Pipeline,
                false,
                &["pipeline", "销售流程", "流程"],
            ),
            field("stage", Kind::Stage, false, &["stage", "阶段", "销售阶段"]),
            field(
                "probability",
                Kind::Integer,
                false,
                &["probability", "赢率", "概率"],
            ),
            field(
                "expected_close_date",
                Kind::Date,
                false,
                &[
                    "expected close date",
                    "close date",
                    "expected_close_date",
                    "预计成交日期",
                    "预计签单日期",
                ],
            ),
            field(
                "owner_email",
                Kind::Owner,
                false,
                &["owner", "owner email", "负责人", "销售"],
            ),
            field(
                "lost_reason",
                Kind::Text,
                false,
                &["lost reason", "lost_reason", "输单原因", "丢单原因"],
            ),
        ],
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
        Kind::Money => {
            "amount, e.g. 12500.00, in the base currency (or the currency column's)".to_owned()
        }
        Kind::Date => "date, e.g. 2026-03-01".to_owned(),
        Kind::Bool => "yes or no (是 / 否, true / false, 1 / 0)".to_owned(),
        Kind::Choice(codes, _) => format!("one of {} (or the app's label)", codes.join(", ")),
        Kind::Owner => "e-mail of a user".to_owned(),
        Kind::Tags => "tag names separated by , ; or |".to_owned(),
        Kind::Region(_) => "region name or code".to_owned(),
        Kind::Pipeline => "pipeline name".to_owned(),
        Kind::Stage => "stage name (of the row's pipeline)".to_owned(),
        Kind::Custom(t) => format!("custom field ({t})"),
    };
    ImportField {
        name: f.name.clone(),
        required: f.required,
        format,
    }
}
