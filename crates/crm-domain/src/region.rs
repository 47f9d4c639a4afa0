//! Region codes: ISO 3166-1 alpha-2 countries (`CN`, `US`) and China's
//! GB/T 2260 six-digit divisions (`440000` province, `440100` city,
//! `440106` district). Existence and nesting are checked against the
//! reference table by the caller; this module only knows the shapes.

use std::fmt;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Country,
    Province,
    City,
    District,
}

impl RegionLevel {
    pub const ALL: [RegionLevel; 4] = [Self::Country, Self::Province, Self::City, Self::District];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Country => "country",
            Self::Province => "province",
            Self::City => "city",
            Self::District => "district",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|level| level.as_str() == value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegionCode(String);

impl RegionCode {
    /// A country code is two ASCII letters (upper-cased here); a Chinese
    /// division is six digits whose level follows from its trailing zeros.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let value = input.trim();
        if value.len() == 2 && value.chars().all(|c| c.is_ascii_alphabetic()) {
            return Ok(Self(value.to_ascii_uppercase()));
        }
        if value.len() == 6 && value.chars().all(|c| c.is_ascii_digit()) && !value.starts_with("00")
        {
            return Ok(Self(value.to_owned()));
        }
        Err("must be an ISO 3166-1 alpha-2 country code or a six-digit GB/T 2260 division code")
    }

    pub fn level(&self) -> RegionLevel {
        if self.0.len() == 2 {
            RegionLevel::Country
        } else if self.0.ends_with("0000") {
            RegionLevel::Province
        } else if self.0.ends_with("00") {
            RegionLevel::City
        } else {
            RegionLevel::District
        }
    }

    /// The prefix shared by this division and everything inside it
    /// (`44` for Guangdong, `4401` for Guangzhou), used for region filters.
    pub fn prefix(&self) -> &str {
        match self.level() {
            RegionLevel::Country | RegionLevel::District => &self.0,
            RegionLevel::Province => &self.0[..2],
            RegionLevel::City => &self.0[..4],
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A customer's address as region codes, before the reference table is consulted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionPath {
    pub country: Option<RegionCode>,
    pub province: Option<RegionCode>,
    pub city: Option<RegionCode>,
    pub district: Option<RegionCode>,
}

impl RegionPath {
    /// Shape errors per field: each code must be of its own level, and a
    /// lower level needs the level above it. Whether the codes exist and
    /// really nest is the reference table's to say.
    pub fn shape_errors(&self) -> Vec<(&'static str, &'static str)> {
        let mut errors = Vec::new();
        let fields = [
            ("country_code", &self.country, RegionLevel::Country),
            ("province_code", &self.province, RegionLevel::Province),
            ("city_code", &self.city, RegionLevel::City),
            ("district_code", &self.district, RegionLevel::District),
        ];
        for (field, code, level) in fields {
            if code.as_ref().is_some_and(|c| c.level() != level) {
                errors.push((field, "is a code of another level"));
            }
        }
        if self.province.is_some() && self.country.as_ref().is_some_and(|c| c.as_str() != "CN") {
            errors.push(("province_code", "provinces are only known for country CN"));
        }
        if self.city.is_some() && self.province.is_none() {
            errors.push(("province_code", "is required when city_code is set"));
        }
        if self.district.is_some() && self.city.is_none() {
            errors.push(("city_code", "is required when district_code is set"));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_the_level_from_the_code() {
        let level = |code: &str| RegionCode::parse(code).map(|c| c.level());
        assert_eq!(level("cn"), Ok(RegionLevel::Country));
        assert_eq!(level("440000"), Ok(RegionLevel::Province));
        assert_eq!(level("440100"), Ok(RegionLevel::City));
        assert_eq!(level("440106"), Ok(RegionLevel::District));
        assert!(RegionCode::parse("4401").is_err());
        assert!(RegionCode::parse("000000").is_err());
        assert!(RegionCode::parse("CHN").is_err());
    }

    #[test]
    fn prefixes_cover_everything_inside_a_division() {
        assert_eq!(
            RegionCode::parse("440000").map(|c| c.prefix().to_owned()),
            Ok("44".to_owned())
        );
        assert_eq!(
            RegionCode::parse("440100").map(|c| c.prefix().to_owned()),
            Ok("4401".to_owned())
        );
    }

    #[test]
    fn a_city_needs_its_province_and_codes_must_match_their_field() {
        let code = |c: &str| RegionCode::parse(c).ok();
        let path = RegionPath {
            country: code("CN"),
            province: None,
            city: code("440100"),
            district: code("440000"),
        };
        let errors = path.shape_errors();
        assert!(errors.contains(&("province_code", "is required when city_code is set")));
        assert!(errors.contains(&("district_code", "is a code of another level")));
    }
}
