//! The mapping suggested from a file's header: each column whose name
//! (trimmed, case and `_`/`-` ignored) is a field's name, one of its
//! aliases, or a custom field's key fills that field, each field once.

use std::collections::BTreeMap;

use super::catalogue::Field;

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

#[cfg(test)]
mod tests {
    use crm_api_types::imports::ImportEntity;
    use crm_domain::custom_field::FieldType;

    use super::super::catalogue::fields_of;
    use super::*;

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
