//! Region names as people type them (`广东省`, `广东`, `Guangdong`, `深圳市`,
//! `深圳`, or a code) resolved to region codes, each level within the one
//! above it, and the levels above a given one filled in (a city alone
//! gives its province and country too). The caller loads the regions.

use std::collections::HashMap;

/// A region as the index needs it (a row of the global regions table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: String,
    /// `country`, `province`, `city` or `district`.
    pub level: String,
    pub parent_code: Option<String>,
    pub name_zh: String,
    pub name_en: String,
}

/// A level of the region tree, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Country = 0,
    Province = 1,
    City = 2,
    District = 3,
}

const LEVELS: [&str; 4] = ["country", "province", "city", "district"];

/// Suffixes a name may be typed without, longest first.
const SUFFIXES: [&str; 16] = [
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "地区",
    "省",
    "市",
    "区",
    "县",
    "盟",
    " province",
    " city",
    " district",
    " county",
];

fn short(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    SUFFIXES
        .iter()
        .find_map(|s| {
            lower
                .strip_suffix(s)
                .filter(|rest| !rest.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or(lower)
}

/// Every region, findable by code and by name per level.
#[derive(Debug, Default)]
pub struct RegionIndex {
    rows: HashMap<String, Region>,
    by_name: HashMap<(usize, String), Vec<String>>,
}

impl RegionIndex {
    pub fn new(rows: Vec<Region>) -> Self {
        let mut index = Self::default();
        for row in rows {
            let Some(level) = LEVELS.iter().position(|l| *l == row.level) else {
                continue;
            };
            let mut names = vec![
                row.name_zh.to_lowercase(),
                short(&row.name_zh),
                row.name_en.to_lowercase(),
                short(&row.name_en),
            ];
            names.sort();
            names.dedup();
            for name in names {
                index
                    .by_name
                    .entry((level, name))
                    .or_default()
                    .push(row.code.clone());
            }
            index.rows.insert(row.code.clone(), row);
        }
        index
    }

    /// Codes for the typed country, province, city and district (each
    /// optional), ancestors filled in; or the level that does not resolve and why.
    pub fn resolve(
        &self,
        typed: [Option<&str>; 4],
    ) -> Result<[Option<String>; 4], (usize, String)> {
        let mut codes: [Option<String>; 4] = Default::default();
        for (level, text) in typed.iter().enumerate() {
            let Some(text) = text else { continue };
            let parent = codes[..level].iter().rev().flatten().next().cloned();
            let code = self
                .find(level, text, parent.as_deref())
                .map_err(|m| (level, m))?;
            codes[level] = Some(code);
        }
        // Fill in the ancestors of the deepest level found.
        let deepest_level = codes.iter().rposition(Option::is_some).unwrap_or(0);
        if let Some(deepest) = codes.iter().rev().flatten().next().cloned() {
            let mut at = self.rows.get(&deepest);
            while let Some(row) = at {
                if let Some(level) = LEVELS.iter().position(|l| *l == row.level) {
                    match &codes[level] {
                        Some(code) if code != &row.code => {
                            return Err((
                                deepest_level,
                                format!("{} is not in {}", self.name(&deepest), self.name(code)),
                            ));
                        }
                        _ => codes[level] = Some(row.code.clone()),
                    }
                }
                at = row.parent_code.as_ref().and_then(|p| self.rows.get(p));
            }
        }
        Ok(codes)
    }

    fn name(&self, code: &str) -> String {
        self.rows
            .get(code)
            .map_or_else(|| code.to_owned(), |r| r.name_zh.clone())
    }

    /// Is `code` (a region) inside `ancestor`?
    fn within(&self, code: &str, ancestor: &str) -> bool {
        let mut at = self.rows.get(code);
        while let Some(row) = at {
            if row.code == ancestor {
                return true;
            }
            at = row.parent_code.as_ref().and_then(|p| self.rows.get(p));
        }
        false
    }

    fn find(&self, level: usize, text: &str, parent: Option<&str>) -> Result<String, String> {
        let text = text.trim();
        if let Some(row) = self
            .rows
            .get(text)
            .or_else(|| self.rows.get(&text.to_uppercase()))
            && row.level == LEVELS[level]
        {
            return Ok(row.code.clone());
        }
        let mut found: Vec<&String> = Vec::new();
        for name in [text.to_lowercase(), short(text)] {
            for code in self.by_name.get(&(level, name)).into_iter().flatten() {
                if !found.contains(&code) {
                    found.push(code);
                }
            }
        }
        if let Some(parent) = parent {
            found.retain(|c| self.within(c, parent));
        }
        match found.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(match parent {
                Some(p) => format!("no {} named {text} in {}", LEVELS[level], self.name(p)),
                None => format!("no {} named {text}", LEVELS[level]),
            }),
            _ => Err(format!(
                "{text} names several {} regions; give the {} as well",
                LEVELS[level],
                LEVELS[level.saturating_sub(1)]
            )),
        }
    }
}

#[cfg(test)]
mod tests;
