//! Owner SVG art, checked before anything draws it or a package carries it: plain SVG only.
//!
//! An SVG is a document that can run scripts, fetch other files and expand entities, so an
//! owner's drawing is refused (never quietly cleaned) when it has any of that, with a code
//! and the reason:
//!
//! - `svg.not_svg`: not UTF-8 XML whose root is `<svg>` in the SVG namespace;
//! - `svg.too_large`, `svg.too_deep`, `svg.too_many_nodes`: past [`MAX_SVG_BYTES`],
//!   [`MAX_DEPTH`], [`MAX_NODES`];
//! - `svg.dtd`: a `<!DOCTYPE>` (entities, the "billion laughs", external DTDs);
//! - `svg.script`: `<script>`, an `on…` event attribute, or `javascript:` anywhere;
//! - `svg.external_reference`: a link, `url(…)`, `@import` or stylesheet that is not `#local`;
//! - `svg.element`: an element outside the drawing vocabulary (`<foreignObject>`, `<image>`,
//!   `<style>`, animation, or another program's namespace such as Inkscape's).

/// The largest SVG read.
pub const MAX_SVG_BYTES: usize = 1024 * 1024;
/// The deepest nesting of elements.
pub const MAX_DEPTH: usize = 64;
/// The most nodes (elements, text, comments).
pub const MAX_NODES: u32 = 50_000;

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";

/// What draws: shapes, groups, paint servers, clipping, text, and a few filters (a glow).
const ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "defs",
    "title",
    "desc",
    "symbol",
    "use",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "linearGradient",
    "radialGradient",
    "stop",
    "pattern",
    "clipPath",
    "mask",
    "filter",
    "feGaussianBlur",
    "feOffset",
    "feFlood",
    "feComposite",
    "feMerge",
    "feMergeNode",
    "feColorMatrix",
    "feBlend",
];

/// Why an SVG was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvgRefusal {
    pub code: &'static str,
    pub reason: String,
}

impl std::fmt::Display for SvgRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

fn refuse(code: &'static str, reason: impl Into<String>) -> SvgRefusal {
    SvgRefusal {
        code,
        reason: reason.into(),
    }
}

/// Whether `bytes` start like an SVG document (after a BOM, white space, an XML
/// declaration and comments), so a package or the art picker knows which check applies.
pub fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    text.starts_with("<?xml") || text.starts_with("<svg") || text.starts_with("<!--")
}

/// Checks an owner's SVG; `Ok` means it is plain SVG that only draws.
pub fn check_svg(bytes: &[u8]) -> Result<(), SvgRefusal> {
    if bytes.len() > MAX_SVG_BYTES {
        return Err(refuse(
            "svg.too_large",
            format!(
                "it is {} bytes; an SVG sprite is at most {MAX_SVG_BYTES}",
                bytes.len()
            ),
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| refuse("svg.not_svg", "it is not UTF-8 text, so not an SVG"))?;
    if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") {
        return Err(refuse(
            "svg.dtd",
            "it has a <!DOCTYPE> or entities, which can expand without end or read other files",
        ));
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        // No DTD is allowed, so there is no outside entity to resolve either.
        entity_resolver: None,
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => refuse(
            "svg.too_many_nodes",
            format!("it has more than {MAX_NODES} parts"),
        ),
        roxmltree::Error::DtdDetected => refuse("svg.dtd", "it has a <!DOCTYPE>"),
        other => refuse("svg.not_svg", format!("it is not well-formed XML: {other}")),
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG_NS) {
        return Err(refuse(
            "svg.not_svg",
            "its root is not <svg xmlns=\"http://www.w3.org/2000/svg\">",
        ));
    }
    for node in doc.root().descendants() {
        match node.node_type() {
            roxmltree::NodeType::PI => {
                let pi = node.pi().map(|p| p.target).unwrap_or("");
                return Err(refuse(
                    "svg.external_reference",
                    format!("it has a <?{pi}?> instruction, which can load a stylesheet"),
                ));
            }
            roxmltree::NodeType::Element => check_element(&node)?,
            roxmltree::NodeType::Text => {
                let text = node.text().unwrap_or("");
                if text.to_ascii_lowercase().contains("javascript:") {
                    return Err(refuse("svg.script", "its text holds a javascript: link"));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_element(node: &roxmltree::Node) -> Result<(), SvgRefusal> {
    let depth = node.ancestors().count();
    if depth > MAX_DEPTH {
        return Err(refuse(
            "svg.too_deep",
            format!("it nests elements more than {MAX_DEPTH} deep"),
        ));
    }
    let name = node.tag_name().name();
    if name == "script" {
        return Err(refuse("svg.script", "it has a <script>"));
    }
    if node.tag_name().namespace() != Some(SVG_NS) || !ELEMENTS.contains(&name) {
        return Err(refuse(
            "svg.element",
            format!(
                "it has a <{name}> element, which is not plain drawing (save it as plain SVG; Inkscape: Save As, Plain SVG)"
            ),
        ));
    }
    for attribute in node.attributes() {
        let key = attribute.name();
        let value = attribute.value();
        let lower = value.to_ascii_lowercase();
        if key.to_ascii_lowercase().starts_with("on") {
            return Err(refuse(
                "svg.script",
                format!("<{name}> has an event handler ({key}), which runs script"),
            ));
        }
        if lower.contains("javascript:") {
            return Err(refuse(
                "svg.script",
                format!("<{name}> {key} holds a javascript: link"),
            ));
        }
        let namespace = attribute.namespace();
        if namespace.is_some_and(|ns| ns != XLINK_NS) {
            return Err(refuse(
                "svg.element",
                format!(
                    "<{name}> has an attribute of another program ({key}); save it as plain SVG"
                ),
            ));
        }
        if key == "href" && !value.trim_start().starts_with('#') {
            return Err(refuse(
                "svg.external_reference",
                format!("<{name}> links to `{}`, outside the drawing", cut(value)),
            ));
        }
        if !local_urls_only(&lower) || lower.contains("@import") {
            return Err(refuse(
                "svg.external_reference",
                format!(
                    "<{name}> {key} refers to `{}`, outside the drawing",
                    cut(value)
                ),
            ));
        }
    }
    Ok(())
}

/// Every `url(…)` in `value` points inside the document (`url(#id)`).
fn local_urls_only(value: &str) -> bool {
    value.match_indices("url(").all(|(at, _)| {
        let inner = value[at + 4..].trim_start_matches([' ', '\'', '"']);
        inner.starts_with('#')
    })
}

fn cut(value: &str) -> String {
    value.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LAMP: &str = r##"<?xml version="1.0"?>
<!-- a lamp -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 40 60">
  <defs><radialGradient id="glow"><stop offset="0" stop-color="#ffd"/></radialGradient></defs>
  <circle cx="20" cy="20" r="12" fill="url(#glow)" style="stroke: var(--accent, #333)"/>
  <use xlink:href="#glow"/><text x="2" y="58">Lamp</text>
</svg>"##;

    fn code(svg: &str) -> &'static str {
        check_svg(svg.as_bytes()).unwrap_err().code
    }

    #[test]
    fn plain_drawing_passes() {
        assert_eq!(check_svg(LAMP.as_bytes()), Ok(()));
        assert!(looks_like_svg(LAMP.as_bytes()));
        assert!(!looks_like_svg(b"\x89PNG\r\n"));
    }

    #[test]
    fn scripts_links_entities_and_foreign_parts_are_refused_with_their_code() {
        let svg = |inner: &str| {
            format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{inner}</svg>"#
            )
        };
        assert_eq!(code(&svg("<script>alert(1)</script>")), "svg.script");
        assert_eq!(code(&svg(r#"<rect onload="alert(1)"/>"#)), "svg.script");
        assert_eq!(
            code(&svg(r#"<use href="javascript:alert(1)"/>"#)),
            "svg.script"
        );
        assert_eq!(
            code(&svg(r#"<use xlink:href="https://evil.example/x.svg#a"/>"#)),
            "svg.external_reference"
        );
        assert_eq!(
            code(&svg(r#"<rect fill="url(https://evil.example/p)"/>"#)),
            "svg.external_reference"
        );
        assert_eq!(
            code(&svg(r#"<rect style="fill: url( 'file:///etc/passwd')"/>"#)),
            "svg.external_reference"
        );
        assert_eq!(
            code(&svg(r#"<foreignObject><p>hi</p></foreignObject>"#)),
            "svg.element"
        );
        assert_eq!(code(&svg(r#"<image href="photo.png"/>"#)), "svg.element");
        assert_eq!(
            code(&svg(r#"<style>@import url(x.css);</style>"#)),
            "svg.element"
        );
        assert_eq!(
            code(&svg(
                r#"<rect xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:label="x"/>"#
            )),
            "svg.element"
        );
        assert_eq!(
            code(
                r#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>"#
            ),
            "svg.dtd"
        );
        assert_eq!(
            code(r#"<?xml-stylesheet href="x.css"?><svg xmlns="http://www.w3.org/2000/svg"/>"#),
            "svg.external_reference"
        );
        assert_eq!(
            code("<svg><rect/></svg>"),
            "svg.not_svg",
            "no SVG namespace"
        );
        assert_eq!(code("<html/>"), "svg.not_svg");
        let deep = format!("{}{}", "<g>".repeat(80), "</g>".repeat(80));
        assert_eq!(code(&svg(&deep)), "svg.too_deep");
    }

    proptest! {
        /// Whatever the bytes, a refusal or a pass, never a panic; and what passes never
        /// names a script or a remote address.
        #[test]
        fn any_input_is_refused_or_plain(text in "(?s).{0,600}") {
            let framed = format!(r#"<svg xmlns="http://www.w3.org/2000/svg">{text}</svg>"#);
            for candidate in [text.as_str(), framed.as_str()] {
                if check_svg(candidate.as_bytes()).is_ok() {
                    let doc = roxmltree::Document::parse(candidate).unwrap();
                    for node in doc.descendants().filter(|n| n.is_element()) {
                        prop_assert_ne!(node.tag_name().name(), "script");
                        for a in node.attributes() {
                            let value = a.value().to_ascii_lowercase();
                            prop_assert!(!value.contains("javascript:") && !value.contains("url(http"));
                        }
                    }
                }
            }
        }
    }
}
