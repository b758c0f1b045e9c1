//! SQL functions that show personal data: masked by default, revealed on request.
//!
//! PII columns hold ciphertext. The SQL engine wraps each of them in
//! `hx_pii(column, kind)`, a [`ScalarUDFImpl`] that decrypts and then masks
//! (or, when revealing, returns the plaintext). Without the key it can only
//! say that the value is encrypted.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, ScalarValue, exec_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};
use huaxiang_core::schema::PiiKind;
use huaxiang_pii::{Keys, mask};

/// What `hx_pii` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PiiView {
    /// Decrypt and mask.
    Masked,
    /// Decrypt and show as is.
    Revealed,
    /// No key: a fixed placeholder.
    Locked,
}

/// The `hx_pii(ciphertext, kind)` function.
#[derive(Debug)]
pub struct PiiUdf {
    signature: Signature,
    keys: Option<Keys>,
    view: PiiView,
}

impl PiiUdf {
    pub fn new(keys: Option<Keys>, view: PiiView) -> PiiUdf {
        PiiUdf {
            signature: Signature::exact(vec![DataType::Utf8, DataType::Utf8], Volatility::Immutable),
            keys,
            view,
        }
    }
}

impl PartialEq for PiiUdf {
    fn eq(&self, other: &Self) -> bool {
        self.view == other.view && self.keys.is_some() == other.keys.is_some()
    }
}
impl Eq for PiiUdf {}
impl std::hash::Hash for PiiUdf {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.view.hash(state);
    }
}

fn kind_of(s: &str) -> PiiKind {
    match s {
        "name" => PiiKind::Name,
        "phone" => PiiKind::Phone,
        "email" => PiiKind::Email,
        _ => PiiKind::Other,
    }
}

impl ScalarUDFImpl for PiiUdf {
    fn name(&self) -> &str {
        "hx_pii"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let kind = match &args.args[1] {
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(k))) => kind_of(k),
            _ => return exec_err!("hx_pii: the second argument must be a constant kind"),
        };
        let arr: ArrayRef = match &args.args[0] {
            ColumnarValue::Array(a) => a.clone(),
            ColumnarValue::Scalar(s) => s.to_array_of_size(args.number_rows)?,
        };
        let Some(input) = arr.as_any().downcast_ref::<StringArray>() else {
            return exec_err!("hx_pii: expected a text column");
        };
        let mut out = StringBuilder::with_capacity(input.len(), input.len() * 12);
        for i in 0..input.len() {
            if input.is_null(i) {
                out.append_null();
                continue;
            }
            let cell = input.value(i);
            match (&self.keys, self.view) {
                (None, _) | (_, PiiView::Locked) => out.append_value("[encrypted]"),
                (Some(k), view) => match k.decrypt(cell) {
                    Ok(plain) if view == PiiView::Revealed => out.append_value(plain),
                    Ok(plain) => out.append_value(mask(kind, &plain)),
                    Err(_) => out.append_value("[undecryptable]"),
                },
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}
