use super::*;

fn row(code: &str, level: &str, parent: Option<&str>, zh: &str, en: &str) -> Region {
    Region {
        code: code.into(),
        level: level.into(),
        parent_code: parent.map(Into::into),
        name_zh: zh.into(),
        name_en: en.into(),
    }
}

fn index() -> RegionIndex {
    RegionIndex::new(vec![
        row("CN", "country", None, "中国", "China"),
        row("110000", "province", Some("CN"), "北京市", "Beijing"),
        row("110100", "city", Some("110000"), "北京市", "Beijing"),
        row(
            "110105",
            "district",
            Some("110100"),
            "朝阳区",
            "Chaoyang District",
        ),
        row("210000", "province", Some("CN"), "辽宁省", "Liaoning"),
        row("211300", "city", Some("210000"), "朝阳市", "Chaoyang"),
        row("440000", "province", Some("CN"), "广东省", "Guangdong"),
        row("440300", "city", Some("440000"), "深圳市", "Shenzhen"),
    ])
}

fn codes(r: [Option<String>; 4]) -> Vec<String> {
    r.into_iter().flatten().collect()
}

#[test]
fn names_with_or_without_suffix_and_in_english() {
    let i = index();
    assert_eq!(
        codes(i.resolve([None, Some("广东"), Some("深圳"), None]).unwrap()),
        ["CN", "440000", "440300"]
    );
    assert_eq!(
        codes(
            i.resolve([None, Some("Guangdong"), Some("深圳市"), None])
                .unwrap()
        ),
        ["CN", "440000", "440300"]
    );
    // A city alone brings its province and country.
    assert_eq!(
        codes(i.resolve([None, None, Some("深圳"), None]).unwrap()),
        ["CN", "440000", "440300"]
    );
    // A code works too.
    assert_eq!(
        codes(i.resolve([None, Some("440000"), None, None]).unwrap()),
        ["CN", "440000"]
    );
}

#[test]
fn a_name_is_looked_up_inside_the_level_above() {
    let i = index();
    assert_eq!(
        codes(
            i.resolve([None, Some("北京"), Some("北京"), Some("朝阳")])
                .unwrap()
        ),
        ["CN", "110000", "110100", "110105"]
    );
    assert!(i.resolve([None, Some("广东"), Some("北京"), None]).is_err());
    assert!(i.resolve([None, Some("火星"), None, None]).is_err());
}

#[test]
fn suffixes_are_dropped_but_never_the_whole_name() {
    let i = RegionIndex::new(vec![
        row("CN", "country", None, "中国", "China"),
        row(
            "650000",
            "province",
            Some("CN"),
            "新疆维吾尔自治区",
            "Xinjiang",
        ),
        row(
            "810000",
            "province",
            Some("CN"),
            "香港特别行政区",
            "Hong Kong",
        ),
        row("999000", "province", Some("CN"), "省", "Sheng"),
    ]);
    let found = |t: &str| i.resolve([None, Some(t), None, None]).map(codes);
    assert_eq!(found("新疆"), Ok(vec!["CN".into(), "650000".into()]));
    assert_eq!(found("香港"), Ok(vec!["CN".into(), "810000".into()]));
    assert_eq!(found("HONG KONG"), Ok(vec!["CN".into(), "810000".into()]));
    assert_eq!(found("省"), Ok(vec!["CN".into(), "999000".into()]));
    assert_eq!(found(" cn "), Err((1, "no province named cn".into())));
    assert_eq!(
        i.resolve([Some("cn"), None, None, None]).map(codes),
        Ok(vec!["CN".into()]),
        "a code in lower case"
    );
}

#[test]
fn errors_name_the_level_and_say_why() {
    let i = index();
    // 朝阳 is a district of Beijing and a city of Liaoning.
    assert_eq!(
        i.resolve([None, None, Some("朝阳"), None]),
        Ok([
            Some("CN".into()),
            Some("210000".into()),
            Some("211300".into()),
            None
        ])
    );
    assert_eq!(
        i.resolve([None, Some("广东"), Some("北京"), None]),
        Err((2, "no city named 北京 in 广东省".into()))
    );
    assert_eq!(
        i.resolve([None, Some("火星"), None, None]),
        Err((1, "no province named 火星".into()))
    );
    // A code at the wrong level is looked up as a name.
    assert_eq!(
        i.resolve([None, None, Some("440000"), None]),
        Err((2, "no city named 440000".into()))
    );
    // A code is taken as given, then checked against the levels above.
    assert_eq!(
        i.resolve([None, Some("210000"), None, Some("110105")]),
        Err((3, "朝阳区 is not in 辽宁省".into()))
    );
    // Two cities named alike with no province to choose.
    let twins = RegionIndex::new(vec![
        row("CN", "country", None, "中国", "China"),
        row("110000", "province", Some("CN"), "甲省", "Jia"),
        row("210000", "province", Some("CN"), "乙省", "Yi"),
        row("110100", "city", Some("110000"), "新城市", "Xincheng"),
        row("210100", "city", Some("210000"), "新城市", "Xincheng"),
    ]);
    assert_eq!(
        twins.resolve([None, None, Some("新城"), None]),
        Err((
            2,
            "新城 names several city regions; give the province as well".into()
        ))
    );
    assert_eq!(
        twins
            .resolve([None, Some("乙"), Some("新城"), None])
            .map(codes),
        Ok(vec!["CN".into(), "210000".into(), "210100".into()])
    );
}
