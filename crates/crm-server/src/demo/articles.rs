//! Demo knowledge base (知识库): articles in both languages on what the
//! demo tickets ask about (refunds, invoices, delivery, devices), most
//! public (the demo switches the public FAQ on), some internal, one draft;
//! English versions point at the Chinese ones they translate. Views and
//! votes are made up but fixed.

use chrono::{Duration, NaiveDateTime};
use crm_db::AnyConnection;
use crm_db::articles::{ArticleFields, ArticleRow};
use crm_db::batch::BatchChange;
use crm_db::change_log::Op;
use crm_db::types::Id;
use uuid::Uuid;

/// (category, status, zh title, zh body, en title and body if translated).
type Entry = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

const ARTICLES: [Entry; 10] = [
    (
        "退换货",
        "public",
        "如何申请退款流程",
        "1. 在订单详情页点击“申请退款”。\n2. 选择退款原因并上传凭证照片。\n3. 客服审核通过后，款项在 3 个工作日内原路退回。\n如需退货，请在审核通过后按页面上的退货地址寄回商品。",
        Some((
            "How to request a refund",
            "1. Open the order and choose Request refund.\n2. Pick a reason and upload a photo.\n3. Once service approves it, the money goes back the way you paid within 3 working days.",
        )),
    ),
    (
        "退换货",
        "public",
        "收到货物破损怎么办",
        "签收时请当面检查外包装。发现破损请拍照并在 48 小时内提交换货申请，我们会免费补发。",
        Some((
            "The goods arrived damaged",
            "Check the packaging when you sign for it. Photograph any damage and ask for a replacement within 48 hours; we send a new one free of charge.",
        )),
    ),
    (
        "退换货",
        "internal",
        "退货退款审核要点（内部）",
        "审核退款时核对：订单号、签收时间、凭证照片是否清晰。金额超过 5000 元的退款需主管复核。",
        None,
    ),
    (
        "财务",
        "public",
        "发票开具说明",
        "增值税普通发票在订单完成后自动开具；专用发票请提供公司名称、税号、开户行及账号。退款订单的发票将作废重开。",
        Some((
            "Invoices",
            "Standard VAT invoices are issued when an order completes; for a special VAT invoice give the company name, tax number, bank and account.",
        )),
    ),
    (
        "财务",
        "public",
        "月度对账单怎么获取",
        "企业客户可在每月 5 日后向专属客服索取上月对账单，也可在订单列表导出。",
        None,
    ),
    (
        "物流",
        "public",
        "送货延误如何处理",
        "物流延误超过 2 天，请提供订单号联系客服，我们会催促承运商并视情况补偿运费。",
        Some((
            "Late deliveries",
            "If a delivery is more than two days late, contact service with the order number: we chase the carrier and may refund the shipping.",
        )),
    ),
    (
        "设备故障",
        "public",
        "设备报警 E203 的排查步骤",
        "E203 表示进水压力不足。请检查进水阀是否打开、滤网是否堵塞；清洗滤网后重启设备。仍报警请报修。",
        Some((
            "Alarm E203 on the device",
            "E203 means the inlet pressure is too low. Check that the inlet valve is open and the filter is clean, then restart. Report a fault if it persists.",
        )),
    ),
    (
        "设备故障",
        "internal",
        "上门维修派单规则（内部）",
        "故障工单在 4 个工作小时内无法远程解决的，派最近的服务网点上门；保内免费，保外按价目表收费。",
        None,
    ),
    (
        "账户",
        "public",
        "登录后页面空白怎么办",
        "请清除浏览器缓存或换用最新版 Chrome / Edge；企业网络请确认未拦截本站域名。",
        None,
    ),
    (
        "账户",
        "draft",
        "微信下单入口（草稿）",
        "微信小程序下单功能正在开发中，上线后将在此说明使用方法。",
        None,
    ),
];

fn row(ws: Uuid, author: Uuid, at: NaiveDateTime, fields: ArticleFields, n: usize) -> ArticleRow {
    ArticleRow {
        workspace_id: Id(ws),
        id: Id::new(),
        fields,
        views: (n as i64 * 37) % 400 + 20,
        helpful: (n as i32 * 7) % 40 + 3,
        not_helpful: (n as i32 * 3) % 6,
        version: 1,
        created_by: Some(Id(author)),
        updated_by: Some(Id(author)),
        created_at: at,
        updated_at: at,
    }
}

fn fields(
    category: &str,
    status: &str,
    locale: &str,
    title: &str,
    body: &str,
    of: Option<Id>,
) -> ArticleFields {
    ArticleFields {
        title: title.to_owned(),
        body: body.to_owned(),
        category: category.to_owned(),
        locale: locale.to_owned(),
        status: status.to_owned(),
        translation_of: of,
        search_terms: crm_app::articles::words::index_terms(title, body),
    }
}

/// Writes the articles; returns how many.
pub fn seed(
    conn: &mut AnyConnection,
    ws: Uuid,
    author: Uuid,
    now: NaiveDateTime,
) -> anyhow::Result<usize> {
    crm_db::change_log::transaction(conn, |conn| write(conn, ws, author, now))
}

fn write(
    conn: &mut AnyConnection,
    ws: Uuid,
    author: Uuid,
    now: NaiveDateTime,
) -> anyhow::Result<usize> {
    let mut written = Vec::new();
    for (n, (category, status, title, body, english)) in ARTICLES.iter().enumerate() {
        let at = now - Duration::days(200 - 15 * n as i64);
        let zh = row(
            ws,
            author,
            at,
            fields(category, status, "zh-CN", title, body, None),
            n,
        );
        crm_db::articles::insert(conn, &zh)?;
        written.push(zh.id.0);
        if let Some((en_title, en_body)) = english {
            let en = fields(category, status, "en", en_title, en_body, Some(zh.id));
            let en = row(ws, author, at + Duration::days(1), en, n + 20);
            crm_db::articles::insert(conn, &en)?;
            written.push(en.id.0);
        }
    }
    let changes: Vec<BatchChange> = written
        .iter()
        .map(|id| BatchChange {
            entity_id: *id,
            op: Op::Create,
            changed_fields: vec![],
            values: None,
        })
        .collect();
    crm_db::batch::record_changes(conn, ws, crm_db::change_log::ARTICLE, None, "cli", &changes)?;
    Ok(written.len())
}
