//! Follow-ups and tasks (跟进记录 / 待办): a visit logged with its place,
//! outcome and next step; a task with due date, reminder and priority,
//! listed soonest due first and counted by the reminders; completing and
//! rescheduling; and scope — a rep never sees another rep's tasks and
//! cannot assign outside their scope.

use chrono::{Duration, Utc};
use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    a_visit_is_logged_with_place_outcome_and_next_step,
    my_tasks_are_listed_soonest_due_first_and_counted_by_the_reminders,
    a_rep_never_sees_or_assigns_another_reps_tasks,
    bad_follow_up_input_names_the_field,
);

fn at(offset: Duration) -> String {
    (Utc::now() + offset).to_rfc3339()
}

fn subjects(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["subject"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn a_visit_is_logged_with_place_outcome_and_next_step(app: TestApp) {
    let w = World::create(&app);
    let t = &w.rep1.token;
    let c = CustomerBuilder::new(w.ws, "拜访客户")
        .owner(&w.rep1)
        .build(&app);
    let visit = app
        .post("/api/v1/activities")
        .token(t)
        .json(
            &json!({"kind": "visit", "subject": "上门拜访", "customer_id": c,
            "location": " 杭州市西湖区文三路 ", "outcome": "确认了预算", "next_step": "下周报价"}),
        )
        .send()
        .await
        .expect(201)
        .body;
    assert_eq!(visit["kind"], "visit");
    assert_eq!(visit["location"], "杭州市西湖区文三路", "trimmed");
    assert_eq!(visit["outcome"], "确认了预算");
    assert_eq!(visit["next_step"], "下周报价");
    assert_eq!(visit["done"], true, "a visit is logged done");
    assert_eq!(visit["priority"], "normal");

    let id = visit["id"].as_str().expect("id");
    let patched = app
        .patch(&format!("/api/v1/activities/{id}"))
        .token(t)
        .json(&json!({"outcome": null, "next_step": "改为电话跟进"}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(patched["outcome"], Value::Null);
    assert_eq!(patched["next_step"], "改为电话跟进");
    let history = app
        .get(&format!("/api/v1/audit?entity=activity&entity_id={id}"))
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    let latest = &history["items"][0];
    assert_eq!(latest["op"], "update");
    let fields: Vec<&str> = latest["changed_fields"]
        .as_array()
        .expect("changed fields")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        fields.contains(&"outcome") && fields.contains(&"next_step"),
        "{fields:?}"
    );
}

async fn my_tasks_are_listed_soonest_due_first_and_counted_by_the_reminders(app: TestApp) {
    let w = World::create(&app);
    let t = &w.rep1.token;
    let c = CustomerBuilder::new(w.ws, "待办客户")
        .owner(&w.rep1)
        .build(&app);
    let task = |subject: &str, due: Option<String>, remind: Option<String>| {
        json!({"kind": "task", "subject": subject, "customer_id": c, "due_at": due,
            "remind_at": remind, "priority": "high"})
    };
    for body in [
        task("下周", Some(at(Duration::days(6))), None),
        task("已逾期", Some(at(-Duration::hours(3))), None),
        task("今天稍后", Some(at(Duration::hours(1))), None),
        task("无截止", None, None),
        task(
            "提醒已到",
            Some(at(Duration::days(20))),
            Some(at(-Duration::minutes(5))),
        ),
    ] {
        let created = app
            .post("/api/v1/activities")
            .token(t)
            .json(&body)
            .send()
            .await
            .expect(201);
        assert_eq!(created.body["done"], false, "a task starts open");
        assert_eq!(created.body["priority"], "high");
    }
    let me = w.rep1.id;
    let list = app
        .get(&format!(
            "/api/v1/activities?owner_id={me}&done=false&sort=due_at&limit=2"
        ))
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(subjects(&list), ["已逾期", "今天稍后"]);
    let cursor = list["next_cursor"].as_str().expect("a next page");
    let rest = app
        .get(&format!(
            "/api/v1/activities?owner_id={me}&done=false&sort=due_at&limit=2&cursor={cursor}"
        ))
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(subjects(&rest), ["下周", "提醒已到"]);
    let undated = app
        .get(&format!(
            "/api/v1/activities?owner_id={me}&done=false&has_due=false"
        ))
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(subjects(&undated), ["无截止"]);

    let until = urlencoding(&at(Duration::hours(2)));
    let reminders = app
        .get(&format!("/api/v1/activities/reminders?until={until}"))
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(reminders["overdue"], 1);
    assert_eq!(
        reminders["due"], 3,
        "overdue, later today, and the reminder that has come"
    );
    assert_eq!(subjects(&reminders), ["已逾期", "今天稍后", "提醒已到"]);

    // Completing one and rescheduling another changes the count at once.
    let overdue = reminders["items"][0]["id"].as_str().expect("id").to_owned();
    let today = reminders["items"][1]["id"].as_str().expect("id").to_owned();
    app.patch(&format!("/api/v1/activities/{overdue}"))
        .token(t)
        .json(&json!({"done": true, "outcome": "已处理"}))
        .send()
        .await
        .expect(200);
    app.patch(&format!("/api/v1/activities/{today}"))
        .token(t)
        .json(&json!({"due_at": at(Duration::days(3))}))
        .send()
        .await
        .expect(200);
    let after = app
        .get(&format!("/api/v1/activities/reminders?until={until}"))
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(after["overdue"], 0);
    assert_eq!(after["due"], 1);
    assert_eq!(subjects(&after), ["提醒已到"]);
}

async fn a_rep_never_sees_or_assigns_another_reps_tasks(app: TestApp) {
    let w = World::create(&app);
    let c = CustomerBuilder::new(w.ws, "共享客户")
        .owner(&w.rep1)
        .build(&app);
    let overdue = json!({"kind": "task", "subject": "rep1 的待办", "customer_id": c,
        "due_at": at(-Duration::hours(1))});
    let task = app
        .post("/api/v1/activities")
        .token(&w.rep1.token)
        .json(&overdue)
        .send()
        .await
        .expect(201)
        .id();

    // rep3 (another team) sees neither the task nor it in any list or count.
    app.get(&format!("/api/v1/activities/{task}"))
        .token(&w.rep3.token)
        .send()
        .await
        .expect(404);
    let rep1 = w.rep1.id;
    let listed = app
        .get(&format!(
            "/api/v1/activities?owner_id={rep1}&done=false&sort=due_at"
        ))
        .token(&w.rep3.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(subjects(&listed), Vec::<String>::new());
    let theirs = app
        .get("/api/v1/activities/reminders")
        .token(&w.rep3.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(theirs["due"], 0, "reminders are one's own");

    // rep1 may not hand a task to rep3 (outside an own scope)…
    let assigned = app
        .post("/api/v1/activities")
        .token(&w.rep1.token)
        .json(&json!({"kind": "task", "subject": "转给别人", "customer_id": c, "owner_id": w.rep3.id}))
        .send()
        .await;
    assert_eq!(assigned.status, 403, "{:?}", assigned.body);
    // …while their manager assigns within the team, and the task shows in rep2's reminders.
    app.post("/api/v1/activities")
        .token(&w.manager1.token)
        .json(
            &json!({"kind": "task", "subject": "经理分派", "customer_id": c,
            "owner_id": w.rep2.id, "due_at": at(-Duration::minutes(1))}),
        )
        .send()
        .await
        .expect(201);
    let rep2 = app
        .get("/api/v1/activities/reminders")
        .token(&w.rep2.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(subjects(&rep2), ["经理分派"]);
    let manager = app
        .get(&format!(
            "/api/v1/activities?owner_id={rep1}&done=false&sort=due_at"
        ))
        .token(&w.manager1.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        subjects(&manager),
        ["rep1 的待办"],
        "a manager sees the team's tasks"
    );
}

async fn bad_follow_up_input_names_the_field(app: TestApp) {
    let w = World::create(&app);
    let t = &w.rep1.token;
    let c = CustomerBuilder::new(w.ws, "校验客户")
        .owner(&w.rep1)
        .build(&app);
    for (body, field) in [
        (
            json!({"kind": "visit", "subject": "s", "customer_id": c, "location": "x".repeat(201)}),
            "location",
        ),
        (
            json!({"kind": "call", "subject": "s", "customer_id": c, "outcome": "y".repeat(2001)}),
            "outcome",
        ),
        (
            json!({"kind": "task", "subject": "s", "customer_id": c, "remind_at": "1800-01-01T00:00:00Z"}),
            "remind_at",
        ),
        (
            json!({"kind": "task", "subject": "s", "customer_id": c, "priority": "urgent"}),
            "priority",
        ),
    ] {
        let r = app
            .post("/api/v1/activities")
            .token(t)
            .json(&body)
            .send()
            .await;
        assert_eq!(r.status, 422, "{field}: {:?}", r.body);
        assert!(
            r.errors().iter().any(|e| e == field),
            "{field}: {:?}",
            r.body
        );
    }
    let r = app
        .get("/api/v1/activities?sort=priority")
        .token(t)
        .send()
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.errors(), ["sort"]);
    let r = app
        .get("/api/v1/activities/reminders?until=1700-01-01T00:00:00Z")
        .token(t)
        .send()
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.errors(), ["until"]);
}

fn urlencoding(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}
