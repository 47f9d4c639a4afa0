use super::*;

fn spec() -> ReportSpec {
    ReportSpec {
        object: ReportObject::Deals,
        group_by: vec![
            ReportGrouping {
                field: "closed_at".into(),
                grain: Some(DateGrain::Month),
            },
            ReportGrouping {
                field: "owner".into(),
                grain: None,
            },
        ],
        measure: ReportMeasure {
            aggregate: Aggregate::Sum,
            field: Some("amount_minor".into()),
        },
        filters: vec![ReportCondition {
            field: "status".into(),
            op: ReportOperator::Eq,
            value: Some("won".into()),
        }],
        period: None,
        chart: ChartKind::StackedBar,
    }
}

fn fields_in_error(s: &ReportSpec) -> Vec<String> {
    match s.check() {
        Ok(()) => vec![],
        Err(e) => e.0.keys().cloned().collect(),
    }
}

#[test]
fn every_standard_report_is_valid() {
    for s in standard::all() {
        assert_eq!(s.spec.check(), Ok(()), "{}", s.key);
    }
    assert_eq!(fields_in_error(&spec()), Vec::<String>::new());
}

#[test]
fn groupings_are_known_groupable_and_at_most_two() {
    let mut s = spec();
    s.group_by[1].field = "name".into();
    assert_eq!(fields_in_error(&s), ["group_by[1].field"]);
    s.group_by[1].field = "amount_minor".into();
    assert_eq!(fields_in_error(&s), ["group_by[1].field"]);
    s.group_by[1].field = "closed_at".into();
    assert_eq!(fields_in_error(&s), ["group_by[1].field"]);
    s.group_by[1] = ReportGrouping {
        field: "owner".into(),
        grain: Some(DateGrain::Week),
    };
    assert_eq!(fields_in_error(&s), ["group_by[1].grain"]);
    let mut s = spec();
    s.group_by.push(s.group_by[0].clone());
    assert!(fields_in_error(&s).contains(&"group_by".to_owned()));
}

#[test]
fn the_measure_needs_a_number_unless_it_counts() {
    let mut s = spec();
    s.measure.field = None;
    assert_eq!(fields_in_error(&s), ["measure.field"]);
    s.measure.field = Some("owner".into());
    assert_eq!(fields_in_error(&s), ["measure.field"]);
    s.measure = ReportMeasure {
        aggregate: Aggregate::Count,
        field: Some("amount_minor".into()),
    };
    assert_eq!(fields_in_error(&s), ["measure.field"]);
    s.measure.field = None;
    assert_eq!(fields_in_error(&s), Vec::<String>::new());
    // Distinct values of any field, but a field it must name.
    s.measure.aggregate = Aggregate::CountDistinct;
    assert_eq!(fields_in_error(&s), ["measure.field"]);
    s.measure.field = Some("owner".into());
    assert_eq!(fields_in_error(&s), Vec::<String>::new());
    s.measure.field = Some("nothing".into());
    assert_eq!(fields_in_error(&s), ["measure.field"]);
}

#[test]
fn conditions_read_their_value_as_the_field_kind() {
    let cases = [
        ("amount_minor", ReportOperator::Gte, Some("100000"), true),
        ("amount_minor", ReportOperator::Gte, Some("1e5"), false),
        ("closed_at", ReportOperator::Lte, Some("2026-02-30"), false),
        ("closed_at", ReportOperator::Lte, Some("2026-02-28"), true),
        ("owner", ReportOperator::Eq, Some("rep1"), false),
        (
            "owner",
            ReportOperator::Eq,
            Some("0190a3c4-0000-7000-8000-000000000001"),
            true,
        ),
        ("status", ReportOperator::Gte, Some("won"), false),
        ("status", ReportOperator::Eq, None, false),
        ("lost_reason", ReportOperator::IsEmpty, None, true),
        ("lost_reason", ReportOperator::IsEmpty, Some("x"), false),
        ("province", ReportOperator::Eq, Some("440000"), true),
        ("province", ReportOperator::Eq, Some("广东"), false),
    ];
    for (field, op, value, ok) in cases {
        let mut s = spec();
        s.filters = vec![ReportCondition {
            field: field.into(),
            op,
            value: value.map(str::to_owned),
        }];
        let expected: Vec<String> = if ok {
            vec![]
        } else {
            vec!["filters[0].value".into()]
        };
        assert_eq!(fields_in_error(&s), expected, "{field} {op} {value:?}");
    }
}

#[test]
fn the_period_is_a_date_field_and_runs_forward() {
    let mut s = spec();
    s.period = Some(ReportPeriod {
        field: "amount_minor".into(),
        from: None,
        to: None,
        relative: None,
    });
    assert_eq!(fields_in_error(&s), ["period.field"]);
    s.period = Some(ReportPeriod {
        field: "closed_at".into(),
        from: NaiveDate::from_ymd_opt(2026, 3, 1),
        to: NaiveDate::from_ymd_opt(2026, 2, 1),
        relative: None,
    });
    assert_eq!(fields_in_error(&s), ["period.to"]);
    s.period = Some(ReportPeriod {
        field: "closed_at".into(),
        from: NaiveDate::from_ymd_opt(2026, 3, 1),
        to: None,
        relative: Some(RelativePeriod::ThisMonth),
    });
    assert_eq!(fields_in_error(&s), ["period.relative"]);
}

#[test]
fn charts_fit_their_groupings() {
    let mut s = spec();
    s.group_by.pop();
    assert_eq!(fields_in_error(&s), ["chart"]);
    s.chart = ChartKind::Pie;
    assert_eq!(fields_in_error(&s), Vec::<String>::new());
    s.group_by.clear();
    assert_eq!(fields_in_error(&s), ["chart"]);
    s.chart = ChartKind::Table;
    assert_eq!(fields_in_error(&s), Vec::<String>::new());
    s.chart = ChartKind::Number;
    assert_eq!(fields_in_error(&s), Vec::<String>::new());
    s.group_by = spec().group_by;
    assert_eq!(fields_in_error(&s), ["chart"]);
    s.chart = ChartKind::Funnel;
    assert_eq!(fields_in_error(&s), ["chart"]);
    s.group_by.pop();
    assert_eq!(fields_in_error(&s), Vec::<String>::new());
    s.chart = ChartKind::Area;
    assert_eq!(fields_in_error(&s), Vec::<String>::new());
}

#[test]
fn buckets_are_named_and_started_alike() {
    let day = NaiveDate::from_ymd_opt(2026, 3, 11).unwrap_or_default();
    let cases = [
        (DateGrain::Day, "2026-03-11", (2026, 3, 11)),
        (DateGrain::Week, "2026-W11", (2026, 3, 9)),
        (DateGrain::Month, "2026-03", (2026, 3, 1)),
        (DateGrain::Quarter, "2026-Q1", (2026, 1, 1)),
        (DateGrain::Year, "2026", (2026, 1, 1)),
    ];
    for (grain, label, (y, m, d)) in cases {
        assert_eq!(bucket_label(grain, day), label);
        assert_eq!(
            Some(bucket_start(grain, day)),
            NaiveDate::from_ymd_opt(y, m, d)
        );
    }
    // 2027-01-01 is a Friday of ISO week 53 of 2026.
    let new_year = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
    assert_eq!(bucket_label(DateGrain::Week, new_year), "2026-W53");
}

#[test]
fn tags_and_custom_fields_group_where_a_customer_is_reached() {
    let mut s = spec();
    s.group_by[1].field = "tag".into();
    assert_eq!(fields_in_error(&s), Vec::<String>::new());
    s.group_by[1].field = "custom.vip_level".into();
    assert_eq!(fields_in_error(&s), Vec::<String>::new());
    s.filters[0] = ReportCondition {
        field: "custom.vip_level".into(),
        op: ReportOperator::Eq,
        value: Some("金卡".into()),
    };
    assert_eq!(fields_in_error(&s), Vec::<String>::new());
    // Not a key, not on an object without a customer, not ordered.
    s.group_by[1].field = "custom.VIP level".into();
    assert_eq!(fields_in_error(&s), ["group_by[1].field"]);
    s.group_by[1].field = "custom.".into();
    assert_eq!(fields_in_error(&s), ["group_by[1].field"]);
    s.group_by[1].field = "owner".into();
    s.filters[0].op = ReportOperator::Gte;
    assert_eq!(fields_in_error(&s), ["filters[0].value"]);
    let mut leads = spec_for_leads();
    leads.group_by[0].field = "tag".into();
    assert_eq!(fields_in_error(&leads), ["group_by[0].field"]);
    leads.group_by[0].field = "custom.vip_level".into();
    assert_eq!(fields_in_error(&leads), ["group_by[0].field"]);
    assert_eq!(catalog::custom_key("custom.vip_level"), Some("vip_level"));
    assert_eq!(catalog::custom_key("vip_level"), None);
}

fn spec_for_leads() -> ReportSpec {
    ReportSpec {
        object: ReportObject::Leads,
        group_by: vec![ReportGrouping {
            field: "source".into(),
            grain: None,
        }],
        measure: ReportMeasure {
            aggregate: Aggregate::Count,
            field: None,
        },
        filters: vec![],
        period: None,
        chart: ChartKind::Bar,
    }
}

#[test]
fn a_map_shades_provinces_only() {
    let mut s = spec_for_leads();
    s.chart = ChartKind::Map;
    assert_eq!(fields_in_error(&s), ["chart"]);
    s.group_by[0].field = "province".into();
    assert_eq!(fields_in_error(&s), Vec::<String>::new());
    s.group_by.push(ReportGrouping {
        field: "source".into(),
        grain: None,
    });
    assert_eq!(fields_in_error(&s), ["chart"]);
}
