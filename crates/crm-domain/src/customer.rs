//! The closed vocabularies of the customer master. Each enum travels as its
//! snake_case name on the wire and in the database.

/// Declares a string-backed enum with `ALL`, `as_str` and `parse`, and the
/// serde/OpenAPI derives every vocabulary shares.
///
/// The wire names are taken as `tt`, not `literal`: a `literal` fragment reaches
/// the derives wrapped in an invisible group, which utoipa's serde-attribute
/// reader skips, so the schema would list the Rust variant names instead of
/// the values serde actually reads and writes.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// Parses the wire name; the error lists the accepted values.
            pub fn parse(value: &str) -> Result<Self, String> {
                match value {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "must be one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// An organisation (company, school, agency) or a person buying for themselves.
    CustomerKind { Organization = "organization", Person = "person" }
}

string_enum! {
    /// Head-count band of an organisation.
    SizeBand {
        /// 1–9 employees
        Micro = "micro",
        /// 10–49
        Small = "small",
        /// 50–249
        Medium = "medium",
        /// 250–999
        Large = "large",
        /// 1000 and more
        Enterprise = "enterprise",
    }
}

string_enum! {
    /// Industry, after the top level of GB/T 4754 merged with common CRM lists.
    Industry {
        Agriculture = "agriculture",
        Manufacturing = "manufacturing",
        Energy = "energy",
        Construction = "construction",
        Retail = "retail",
        Wholesale = "wholesale",
        Logistics = "logistics",
        Hospitality = "hospitality",
        Technology = "technology",
        Telecom = "telecom",
        Finance = "finance",
        RealEstate = "real_estate",
        ProfessionalServices = "professional_services",
        Education = "education",
        Healthcare = "healthcare",
        Media = "media",
        Government = "government",
        NonProfit = "non_profit",
        Other = "other",
    }
}

string_enum! {
    /// Where a customer first came from.
    Source {
        Website = "website",
        Referral = "referral",
        TradeShow = "trade_show",
        ColdCall = "cold_call",
        Advertising = "advertising",
        SocialMedia = "social_media",
        Partner = "partner",
        Import = "import",
        Other = "other",
    }
}

string_enum! {
    /// The manually kept lifecycle stage (HubSpot's vocabulary); analytics
    /// derive their own lifecycle from orders beside it.
    LifecycleStage {
        Subscriber = "subscriber",
        Lead = "lead",
        MarketingQualified = "marketing_qualified",
        SalesQualified = "sales_qualified",
        Opportunity = "opportunity",
        Customer = "customer",
        Evangelist = "evangelist",
        Churned = "churned",
        Other = "other",
    }
}

string_enum! {
    /// Gender of a person customer, as they state it.
    Gender { Female = "female", Male = "male", Other = "other", Undisclosed = "undisclosed" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_their_wire_names() {
        for stage in LifecycleStage::ALL {
            assert_eq!(LifecycleStage::parse(stage.as_str()), Ok(*stage));
        }
        assert_eq!(Industry::parse("real_estate"), Ok(Industry::RealEstate));
    }

    #[test]
    fn unknown_values_list_the_accepted_ones() {
        let err = SizeBand::parse("huge").unwrap_err();
        assert!(
            err.contains("micro, small, medium, large, enterprise"),
            "{err}"
        );
    }
}
