//! The leave-one-out effect `report` prints is exact: it equals the
//! posterior recomputed from scratch with the item disabled, also where
//! items share a latent source reliability.

use crate::model_gen;

use credence::analysis;
use credence::model::{Override, check_text, no_documents, overrides};
use credence::network;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn effect_equals_recomputing_without_the_item(spec in model_gen::model_spec(model_gen::Limits::FULL)) {
        let text = spec.to_toml();
        let model = check_text("m.toml", &text, no_documents).model.expect("generator makes valid models");
        let a = analysis::analyse(&model).expect("inference succeeds");
        for r in a.items.iter().filter(|r| r.enabled) {
            let effect = r.effect.as_ref().expect("small models always get an effect");
            let without = overrides::apply(&model, &[Override::ItemEnabled(r.item, false)]);
            let post = network::compile(&without).infer().expect("inference succeeds").hypotheses;
            for (h, (e, p)) in effect.iter().zip(&post).enumerate() {
                let want = a.hypotheses[h].posterior - p;
                prop_assert!((e - want).abs() < 1e-9, "item {:?} h {h}: effect {e}, recomputed {want}\n{text}", r.item);
            }
        }
    }
}
