//! Keeps the unknown-key tree of `schema` and the serde structs of `raw` in step: every table
//! of the tree must list exactly the fields serde knows (aliases included).

use super::schema::*;

/// The field names serde knows for `T`, read from its `deserialize_struct` call.
fn serde_fields<T: serde::de::DeserializeOwned>() -> Vec<&'static str> {
    use serde::de::{Error as _, Visitor, value::Error};
    struct Probe<'a>(&'a mut Vec<&'static str>);
    impl<'de> serde::Deserializer<'de> for Probe<'_> {
        type Error = Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
            Err(Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Error> {
            self.0.extend(fields);
            Err(Error::custom("probed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields = Vec::new();
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

fn keys(table: &[(&'static str, Shape)]) -> Vec<&'static str> {
    let mut k: Vec<&'static str> = table.iter().map(|(k, _)| *k).collect();
    k.sort_unstable();
    k
}

fn sorted_fields<T: serde::de::DeserializeOwned>() -> Vec<&'static str> {
    let mut f = serde_fields::<T>();
    f.sort_unstable();
    f
}

#[test]
fn the_key_tree_matches_the_raw_structs() {
    use crate::runbook::raw::*;
    assert_eq!(keys(ROOT), sorted_fields::<RawRunbook>());
    assert_eq!(keys(PLAN), sorted_fields::<RawPlan>());
    assert_eq!(keys(DRILL), sorted_fields::<RawDrill>());
    assert_eq!(keys(POLICY), sorted_fields::<RawPolicy>());
    assert_eq!(keys(FLEET), sorted_fields::<RawFleet>());
    assert_eq!(keys(WAVE), sorted_fields::<RawWave>());
    assert_eq!(keys(STEPS), sorted_fields::<RawSteps>());
    assert_eq!(keys(STEP), sorted_fields::<RawStep>());
    assert_eq!(keys(PROMETHEUS), sorted_fields::<RawPrometheus>());
    assert_eq!(keys(SCRAPE), sorted_fields::<RawScrape>());
    assert_eq!(keys(WATCH), sorted_fields::<RawWatch>());
    assert_eq!(keys(ALERT), sorted_fields::<RawAlert>());
    assert_eq!(keys(ROLES), sorted_fields::<RawRoles>());
    assert_eq!(keys(ROLE), sorted_fields::<RawRole>());
    assert_eq!(keys(ITEM), sorted_fields::<RawItemTable>());
    assert_eq!(keys(NOTIFY), sorted_fields::<RawNotify>());
    assert_eq!(keys(CONTACTS), sorted_fields::<RawContacts>());
}
