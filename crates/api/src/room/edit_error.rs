//! A refused edit as an [`ApiError`], with the hint an owner needs and the data the editor
//! uses to offer the free spot.

use deskmate_rooms as rooms;

use crate::ApiError;

pub(super) fn edit_error(err: rooms::EditError) -> ApiError {
    let hint = match (&err, err.nearest_free()) {
        (_, Some(_)) => "move it to the free spot the editor offers, or make room first".into(),
        (rooms::EditError::Collision { .. } | rooms::EditError::OutOfBounds { .. }, None) => {
            "there is no free spot of that size; make room or make the object smaller".into()
        }
        (rooms::EditError::UnknownObject { .. }, _) => {
            "check the object's id in the room file".into()
        }
        (rooms::EditError::DuplicateId { .. } | rooms::EditError::BadId { .. }, _) => {
            "use a new id of letters, digits, `_` or `-`".into()
        }
        (rooms::EditError::BadState { .. }, _) => {
            "pick one of the allowed values, or change the allowed values first".into()
        }
        (rooms::EditError::BadValue { .. }, _) => "check the value's type".into(),
        (rooms::EditError::BadPicture { .. }, _) => {
            "use a PNG (at most 2048 pixels a side) or a plain SVG, under 512 KiB".into()
        }
        (rooms::EditError::UnknownTemplate { .. }, _) => {
            format!(
                "pick one of: {}",
                rooms::template_names().collect::<Vec<_>>().join(", ")
            )
        }
    };
    // The refusal carries its data, so the editor can offer the free spot without asking again.
    let mut api = ApiError::new(err.code(), err.to_string(), hint);
    if let Some(cell) = err.nearest_free() {
        api = api
            .with_detail("nearest_x", cell.x.to_string())
            .with_detail("nearest_y", cell.y.to_string());
    }
    if let rooms::EditError::Collision { conflicts, .. } = &err {
        api = api.with_detail("conflicts", conflicts.join(","));
    }
    api
}
