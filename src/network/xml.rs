//! The XML network formats beside BIF: XMLBIF 0.3 (JavaBayes, Weka, pgmpy)
//! and XDSL (GeNIe and SMILE), over [`Network`]. A writer for each, whose
//! output pgmpy's `XMLBIFReader` and `XDSLReader` load, and one reader that
//! tells the two apart by their root element and hands the declarations to
//! the BIF reader's resolution ([`super::bif`]), so all three formats share
//! its checks, table budgets and parent-first ordering. Pure: text in, text
//! out.
//!
//! Hostile input is bounded before anything large is built: entity
//! declarations are refused (so no entity expansion, billion laughs or
//! otherwise), the XML tree holds at most [`MAX_XML_NODES`] nodes, elements
//! nest at most [`MAX_XML_DEPTH`] deep and carry at most
//! [`MAX_XML_ATTRIBUTES`] attributes, and the tables' numbers are counted
//! against [`super::bif::MAX_TOTAL_CPT_ENTRIES`] as they are read.

use std::fmt::Write as _;

use super::bif::{
    self, Bif, MAX_TOTAL_CPT_ENTRIES, ParseError, ProbBlock, TableOrder, VarDecl, WriteOptions,
};
use super::graph::Network;

/// The most XML nodes (elements, text runs, comments) a file may have.
/// bnlearn's largest networks in XMLBIF have about 20,000.
pub const MAX_XML_NODES: u32 = 1_000_000;

/// The deepest elements may nest. XMLBIF needs 4 levels and XDSL 5 (6 with
/// GeNIe's layout extension); the cap keeps a hostile file from nesting a
/// million deep.
pub const MAX_XML_DEPTH: usize = 64;

/// The most attributes one element may have. XMLBIF's and XDSL's elements
/// have at most a handful; the XML parser checks an element's attributes
/// for repeats pairwise, so 300,000 of them would take minutes.
pub const MAX_XML_ATTRIBUTES: usize = 32;

/// Which XML format a network file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XmlFormat {
    /// XMLBIF 0.3: `<BIF><NETWORK>` with `VARIABLE` and `DEFINITION`.
    XmlBif,
    /// GeNIe's XDSL: `<smile><nodes>` with `cpt` nodes.
    Xdsl,
}

impl XmlFormat {
    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            XmlFormat::XmlBif => "XMLBIF",
            XmlFormat::Xdsl => "XDSL",
        }
    }
}

/// Whether a network file's text is XML (its first non-blank character,
/// after a byte-order mark, is `<`), not BIF.
pub fn is_xml(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
}

// ---------------------------------------------------------------------------
// Writers

/// Text safe in XML character data and attribute values: the five special
/// characters escaped; control characters (which XML 1.0 forbids) and line
/// breaks become spaces.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text safe inside `<!-- -->`: no `--`, no trailing `-`, no control
/// characters.
fn comment(s: &str) -> String {
    // A hidden or control character as its visible escape, as every other
    // output shows it.
    let mut out = crate::escape::visible(s).into_owned();
    while out.contains("--") {
        out = out.replace("--", "- -");
    }
    if out.ends_with('-') {
        out.push(' ');
    }
    out
}

/// The XML declaration and the options' comments, with the names that were
/// made identifiers.
fn preamble(
    net: &Network,
    names: &[String],
    states: &[Vec<String>],
    options: &WriteOptions,
) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut lines: Vec<String> = options.comments.clone();
    let renamed = bif::renamed_names(net, names, states);
    if !renamed.is_empty() {
        lines.push("Names made identifiers (name in this file <- original name):".into());
        lines.extend(renamed.iter().map(|l| format!("  {l}")));
    }
    if !lines.is_empty() {
        out.push_str("<!--\n");
        for line in &lines {
            let _ = writeln!(out, "  {}", comment(line));
        }
        out.push_str("-->\n");
    }
    out
}

/// The observed state of each variable, from the options.
fn evidence_by_variable(net: &Network, options: &WriteOptions) -> Vec<Option<usize>> {
    let mut evidence = vec![None; net.len()];
    for &(v, s) in &options.evidence {
        if v < net.len() && s < net.card(v) {
            evidence[v] = Some(s);
        }
    }
    evidence
}

/// A CPT as XML lists it: one parent assignment after another, the child's
/// states within each, one space between numbers (pgmpy's `XDSLReader`
/// splits on single spaces).
fn flat_table(net: &Network, v: usize) -> String {
    net.node(v)
        .cpt
        .iter()
        .map(|&x| bif::number(x))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The network as XMLBIF 0.3: a `VARIABLE` per node (type `nature`, one
/// `OUTCOME` per state, `<PROPERTY>evidence = STATE</PROPERTY>` when
/// observed), then a `DEFINITION` per node (`FOR`, a `GIVEN` per parent,
/// `TABLE` one parent assignment after another, first parent slowest), in
/// network order. Names are the BIF identifiers.
pub fn write_xmlbif(net: &Network, options: &WriteOptions) -> String {
    let names = bif::variable_identifiers(net);
    let states = bif::state_identifiers(net);
    let evidence = evidence_by_variable(net, options);
    let mut out = preamble(net, &names, &states, options);
    let _ = writeln!(
        out,
        "<BIF VERSION=\"0.3\">\n<NETWORK>\n<NAME>{}</NAME>",
        escape(&bif::identifier(&options.name))
    );
    for v in 0..net.len() {
        let _ = writeln!(
            out,
            "<VARIABLE TYPE=\"nature\">\n\t<NAME>{}</NAME>",
            names[v]
        );
        for s in &states[v] {
            let _ = writeln!(out, "\t<OUTCOME>{s}</OUTCOME>");
        }
        if let Some(s) = evidence[v] {
            let _ = writeln!(out, "\t<PROPERTY>evidence = {}</PROPERTY>", states[v][s]);
        }
        out.push_str("</VARIABLE>\n");
    }
    for v in 0..net.len() {
        let _ = writeln!(out, "<DEFINITION>\n\t<FOR>{}</FOR>", names[v]);
        for &p in &net.node(v).parents {
            let _ = writeln!(out, "\t<GIVEN>{}</GIVEN>", names[p]);
        }
        let _ = writeln!(
            out,
            "\t<TABLE>{}</TABLE>\n</DEFINITION>",
            flat_table(net, v)
        );
    }
    out.push_str("</NETWORK>\n</BIF>\n");
    out
}

/// The network as GeNIe's XDSL: a `cpt` node per variable (`state` ids,
/// `parents`, `probabilities` one parent assignment after another), and
/// `<property id="evidence">STATE</property>` on observed nodes; then
/// GeNIe's layout extension with each node's original name and a grid
/// position (parents above children), so GeNIe opens it readable. Names are
/// the BIF identifiers (XDSL ids are identifiers too).
pub fn write_xdsl(net: &Network, options: &WriteOptions) -> String {
    let names = bif::variable_identifiers(net);
    let states = bif::state_identifiers(net);
    let evidence = evidence_by_variable(net, options);
    let id = bif::identifier(&options.name);
    let mut out = preamble(net, &names, &states, options);
    let _ = writeln!(
        out,
        "<smile version=\"1.0\" id=\"{id}\" numsamples=\"10000\" discsamples=\"10000\">\n\t<nodes>"
    );
    for v in 0..net.len() {
        let _ = writeln!(out, "\t\t<cpt id=\"{}\">", names[v]);
        for s in &states[v] {
            let _ = writeln!(out, "\t\t\t<state id=\"{s}\" />");
        }
        let parents = &net.node(v).parents;
        if !parents.is_empty() {
            let list: Vec<&str> = parents.iter().map(|&p| names[p].as_str()).collect();
            let _ = writeln!(out, "\t\t\t<parents>{}</parents>", list.join(" "));
        }
        let _ = writeln!(
            out,
            "\t\t\t<probabilities>{}</probabilities>",
            flat_table(net, v)
        );
        if let Some(s) = evidence[v] {
            let _ = writeln!(
                out,
                "\t\t\t<property id=\"evidence\">{}</property>",
                states[v][s]
            );
        }
        out.push_str("\t\t</cpt>\n");
    }
    let _ = writeln!(
        out,
        "\t</nodes>\n\t<extensions>\n\t\t<genie version=\"1.0\" app=\"credence\" name=\"{}\">",
        escape(&options.name)
    );
    // Rows by depth (a node one below its deepest parent), columns in
    // network order within a row.
    let mut depth = vec![0usize; net.len()];
    let mut column = vec![0usize; net.len()];
    let mut row_width: Vec<usize> = Vec::new();
    for v in 0..net.len() {
        depth[v] = net
            .node(v)
            .parents
            .iter()
            .map(|&p| depth[p] + 1)
            .max()
            .unwrap_or(0);
        if row_width.len() <= depth[v] {
            row_width.resize(depth[v] + 1, 0);
        }
        column[v] = row_width[depth[v]];
        row_width[depth[v]] += 1;
    }
    for v in 0..net.len() {
        let (x, y) = (20 + 160 * column[v], 20 + 100 * depth[v]);
        let _ = writeln!(
            out,
            "\t\t\t<node id=\"{}\">\n\t\t\t\t<name>{}</name>\n\t\t\t\t<interior color=\"e5f6f7\" />\n\t\t\t\t<outline color=\"000080\" />\n\t\t\t\t<font color=\"000000\" name=\"Arial\" size=\"8\" />\n\t\t\t\t<position>{x} {y} {} {}</position>\n\t\t\t</node>",
            names[v],
            escape(&net.node(v).name),
            x + 140,
            y + 60
        );
    }
    out.push_str("\t\t</genie>\n\t</extensions>\n</smile>\n");
    out
}

// ---------------------------------------------------------------------------
// Reader

/// A byte offset of `text` from roxmltree's 1-based row and column (in
/// characters).
fn offset_of(text: &str, pos: roxmltree::TextPos) -> usize {
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i + 1 == pos.row as usize {
            let column = (pos.col as usize).saturating_sub(1);
            return offset
                + line
                    .char_indices()
                    .nth(column)
                    .map_or(line.len(), |(at, _)| at);
        }
        offset += line.len();
    }
    text.len()
}

/// Whether an element's tag is `name`, in any case (XMLBIF writers differ).
fn is(node: roxmltree::Node<'_, '_>, name: &str) -> bool {
    node.is_element() && node.tag_name().name().eq_ignore_ascii_case(name)
}

fn children<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'input>> + 'a {
    node.children().filter(move |c| is(*c, name))
}

/// An element's text and the byte offset where it starts (the element's own
/// start when it is empty).
fn text_of<'a>(node: roxmltree::Node<'a, '_>) -> (&'a str, usize) {
    match node.first_child().filter(roxmltree::Node::is_text) {
        Some(t) => (t.text().unwrap_or(""), t.range().start),
        None => (node.text().unwrap_or(""), node.range().start),
    }
}

/// The whitespace-separated words of an element's text, each with its byte
/// offset (exact where the text holds no character references).
fn words<'a>(node: roxmltree::Node<'a, '_>) -> Vec<(&'a str, usize)> {
    let (text, base) = text_of(node);
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((&text[s..i], base + s));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

/// Reads a file's declarations, counting the numbers read.
struct Reader<'t> {
    text: &'t str,
    numbers: usize,
}

impl Reader<'_> {
    fn error(&self, at: usize, message: impl Into<String>) -> ParseError {
        ParseError::at(self.text, at, message)
    }

    /// The trimmed text of the one child element `name` of `node`.
    fn required_text(
        &self,
        node: roxmltree::Node<'_, '_>,
        name: &str,
        context: &str,
    ) -> Result<(String, usize), ParseError> {
        let child = children(node, name).next().ok_or_else(|| {
            self.error(
                node.range().start,
                format!("{context} has no <{name}> element"),
            )
            .with_hint(format!(
                "add <{name}>...</{name}> inside it, naming the variable"
            ))
        })?;
        let (text, at) = text_of(child);
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(self
                .error(
                    child.range().start,
                    format!("<{name}> of {context} is empty"),
                )
                .with_hint(format!(
                    "write the variable's name between <{name}> and </{name}>"
                )));
        }
        Ok((
            trimmed.to_string(),
            at + (text.len() - text.trim_start().len()),
        ))
    }

    /// The probabilities of a table element, each in [0, 1].
    fn numbers(&mut self, node: roxmltree::Node<'_, '_>) -> Result<Vec<(f64, usize)>, ParseError> {
        let mut values = Vec::new();
        for (word, at) in words(node) {
            self.numbers += 1;
            if self.numbers > MAX_TOTAL_CPT_ENTRIES {
                return Err(self
                    .error(
                        at,
                        format!("the tables hold over {MAX_TOTAL_CPT_ENTRIES} numbers"),
                    )
                    .with_hint(
                        "credence reads networks of up to about 16 million probabilities in all",
                    ));
            }
            let x: f64 = word
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite())
                .ok_or_else(|| {
                    self.error(at, format!("expected a probability, found `{word}`"))
                        .with_hint(bif::NUMBER_HINT)
                })?;
            if !(0.0..=1.0).contains(&x) {
                return Err(self
                    .error(at, format!("probability {word} is outside [0, 1]"))
                    .with_hint(bif::RANGE_HINT));
            }
            values.push((x, at));
        }
        Ok(values)
    }

    /// Refuse a variable that lists a state twice (checked in linear time:
    /// a hostile file may list a million).
    fn states_unique(&self, decl: &VarDecl) -> Result<(), ParseError> {
        match bif::first_repeat(&decl.states, |(s, _)| s) {
            Some(repeat) => {
                let (state, at) = &decl.states[repeat];
                Err(self
                    .error(
                        *at,
                        format!("variable `{}` lists state `{state}` twice", decl.name),
                    )
                    .with_hint("each state of a variable needs its own name"))
            }
            None => Ok(()),
        }
    }
}

/// Read an XMLBIF or XDSL network (the root element tells which).
pub fn parse(text: &str) -> Result<(XmlFormat, Bif), ParseError> {
    if let Some(at) = text.find("<!ENTITY") {
        return Err(ParseError::at(text, at, "the file declares an XML entity")
            .with_hint("XMLBIF and XDSL networks need no entities; credence refuses them rather than expand them (a few lines of entities can expand to gigabytes)"));
    }
    check_shape(text)?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: MAX_XML_NODES,
        // External entities are never fetched.
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        let at = offset_of(text, e.pos());
        let (message, hint) = match e {
            roxmltree::Error::NodesLimitReached => (
                format!("the file has over {MAX_XML_NODES} XML nodes"),
                "XMLBIF and XDSL networks hold far fewer elements: this is not a network file, or one too large to read",
            ),
            other => (
                format!("not well-formed XML: {other}"),
                "XML must be well formed: look here for an unclosed or misspelled tag, or a bare `<` or `&` in text (written `&lt;` and `&amp;`)",
            ),
        };
        ParseError::at(text, at, message).with_hint(hint)
    })?;
    let root = doc.root_element();
    let mut reader = Reader { text, numbers: 0 };
    if is(root, "BIF") {
        Ok((XmlFormat::XmlBif, xmlbif(&mut reader, root)?))
    } else if is(root, "smile") {
        Ok((XmlFormat::Xdsl, xdsl(&mut reader, root)?))
    } else {
        Err(ParseError::at(
            text,
            root.range().start,
            format!(
                "the root element is <{}>: neither XMLBIF (<BIF>) nor XDSL (<smile>)",
                root.tag_name().name()
            ),
        )
        .with_hint("credence query reads BIF, XMLBIF and GeNIe's XDSL networks"))
    }
}

/// The start tag opening at byte `at` (a `<`): the offset just past its
/// closing `>` (the end of the text if it has none), how many attributes it
/// has (its `=` signs outside quoted values) and whether it closes itself
/// (`/>`). A quoted value may hold `>` and `/`: neither ends the tag.
fn start_tag(bytes: &[u8], at: usize) -> (usize, usize, bool) {
    let mut quote = None;
    let mut attributes = 0;
    let mut previous = b'<';
    for (i, &b) in bytes.iter().enumerate().skip(at + 1) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'=' => attributes += 1,
                b'>' => return (i + 1, attributes, previous == b'/'),
                _ => {}
            },
        }
        if quote.is_none() && !b.is_ascii_whitespace() {
            previous = b;
        }
    }
    (bytes.len(), attributes, false)
}

/// Refuse elements nested deeper than [`MAX_XML_DEPTH`] and elements with
/// more than [`MAX_XML_ATTRIBUTES`] attributes, before the parser builds
/// anything: a scan of the tags outside comments, processing instructions,
/// CDATA and the DTD.
fn check_shape(text: &str) -> Result<(), ParseError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(found) = text[i..].find('<') {
        let at = i + found;
        let rest = &text[at..];
        let skip_to = |end: &str| rest.find(end).map_or(text.len(), |e| at + e + end.len());
        if rest.starts_with("<!--") {
            i = skip_to("-->");
        } else if rest.starts_with("<![CDATA[") {
            i = skip_to("]]>");
        } else if rest.starts_with("<?") {
            i = skip_to("?>");
        } else if rest.starts_with("<!") {
            // The DTD: an internal subset `[ ... ]` holds `>`s of its own.
            i = match (rest.find('['), rest.find('>'), rest.find(']')) {
                (Some(open), Some(close), Some(end)) if open < close => rest[end..]
                    .find('>')
                    .map_or(text.len(), |e| at + end + e + 1),
                _ => skip_to(">"),
            };
        } else if rest.starts_with("</") {
            depth = depth.saturating_sub(1);
            i = skip_to(">");
        } else {
            let (end, attributes, self_closing) = start_tag(bytes, at);
            if attributes > MAX_XML_ATTRIBUTES {
                return Err(ParseError::at(
                    text,
                    at,
                    format!("an element has {attributes} attributes, over the limit of {MAX_XML_ATTRIBUTES}"),
                )
                .with_hint("XMLBIF and XDSL elements have a few attributes each; this is not a network file"));
            }
            if !self_closing {
                depth += 1;
                if depth > MAX_XML_DEPTH {
                    return Err(ParseError::at(
                        text,
                        at,
                        format!("elements nest over {MAX_XML_DEPTH} deep"),
                    )
                    .with_hint("XMLBIF and XDSL networks nest a few levels; this is not one"));
                }
            }
            i = end;
        }
        if i >= text.len() {
            break;
        }
    }
    Ok(())
}

/// A child's probabilities as the XML formats list them: one flat table,
/// one parent assignment after another.
fn table_block(
    reader: &mut Reader<'_>,
    child: (String, usize),
    parents: Vec<(String, usize)>,
    table: roxmltree::Node<'_, '_>,
    at: usize,
) -> Result<ProbBlock, ParseError> {
    Ok(ProbBlock {
        child,
        parents,
        table: Some((reader.numbers(table)?, table.range().start)),
        table_order: TableOrder::ChildFastest,
        default: None,
        rows: Vec::new(),
        at,
    })
}

fn xmlbif(reader: &mut Reader<'_>, root: roxmltree::Node<'_, '_>) -> Result<Bif, ParseError> {
    let network = children(root, "NETWORK").next().ok_or_else(|| {
        reader
            .error(root.range().start, "<BIF> has no <NETWORK> element")
            .with_hint(
                "XMLBIF puts its variables and definitions in <BIF><NETWORK> ... </NETWORK></BIF>",
            )
    })?;
    let name = children(network, "NAME")
        .next()
        .map(|n| text_of(n).0.trim().to_string())
        .filter(|n| !n.is_empty());
    let mut vars = Vec::new();
    let mut probs = Vec::new();
    for node in network.children().filter(roxmltree::Node::is_element) {
        if is(node, "VARIABLE") {
            vars.push(xmlbif_variable(reader, node)?);
        } else if is(node, "DEFINITION") || is(node, "PROBABILITY") {
            let at = node.range().start;
            let child = reader.required_text(node, "FOR", "a <DEFINITION>")?;
            let parents = children(node, "GIVEN")
                .map(|g| {
                    let (text, at) = text_of(g);
                    (text.trim().to_string(), at)
                })
                .collect();
            let table = children(node, "TABLE").next().ok_or_else(|| {
                reader
                    .error(
                        at,
                        format!("the <DEFINITION> of `{}` has no <TABLE>", child.0),
                    )
                    .with_hint("add <TABLE> with the probabilities, one parent assignment after another (first parent slowest), the child's states within each")
            })?;
            probs.push(table_block(reader, child, parents, table, at)?);
        }
    }
    bif::resolve_declared(reader.text, name, vars, probs)
}

fn xmlbif_variable(
    reader: &mut Reader<'_>,
    node: roxmltree::Node<'_, '_>,
) -> Result<VarDecl, ParseError> {
    let at = node.range().start;
    let (name, _) = reader.required_text(node, "NAME", "a <VARIABLE>")?;
    if let Some(kind) = node
        .attributes()
        .find(|a| a.name().eq_ignore_ascii_case("TYPE"))
        .map(|a| a.value())
        .filter(|t| !t.eq_ignore_ascii_case("nature"))
    {
        return Err(reader
            .error(at, format!("variable `{name}` is a `{kind}` node"))
            .with_hint("credence computes posteriors over chance (TYPE=\"nature\") variables only; decision and utility nodes are not supported"));
    }
    let mut decl = VarDecl {
        name,
        at,
        states: Vec::new(),
        evidence: None,
    };
    for outcome in children(node, "OUTCOME") {
        let (text, s_at) = text_of(outcome);
        decl.states.push((text.trim().to_string(), s_at));
    }
    reader.states_unique(&decl)?;
    if decl.states.is_empty() {
        return Err(reader
            .error(at, format!("variable `{}` has no <OUTCOME>", decl.name))
            .with_hint("list each state as <OUTCOME>NAME</OUTCOME>"));
    }
    for property in children(node, "PROPERTY") {
        let (text, p_at) = text_of(property);
        if let Some((key, value)) = text.split_once('=')
            && key.trim().eq_ignore_ascii_case("evidence")
        {
            decl.evidence = Some((value.trim().to_string(), p_at));
        }
    }
    Ok(decl)
}

/// XDSL node types credence does not read, and what to say.
const XDSL_UNSUPPORTED: [(&str, &str); 9] = [
    ("noisymax", "a noisy-MAX node"),
    ("noisyadder", "a noisy-adder node"),
    ("deterministic", "a deterministic node"),
    ("equation", "an equation (continuous) node"),
    ("decision", "a decision node"),
    ("utility", "a utility node"),
    ("mau", "a multi-attribute utility node"),
    ("tdcpt", "a time-dependent CPT (dynamic network) node"),
    ("list", "a list (decision) node"),
];

fn xdsl(reader: &mut Reader<'_>, root: roxmltree::Node<'_, '_>) -> Result<Bif, ParseError> {
    let name = root.attribute("id").map(str::to_string);
    let nodes = children(root, "nodes").next().ok_or_else(|| {
        reader
            .error(root.range().start, "<smile> has no <nodes> element")
            .with_hint("XDSL puts its nodes in <smile><nodes> ... </nodes></smile>")
    })?;
    let mut vars = Vec::new();
    let mut probs = Vec::new();
    for node in nodes.children().filter(roxmltree::Node::is_element) {
        let at = node.range().start;
        let tag = node.tag_name().name();
        let id = node.attribute("id").unwrap_or("").to_string();
        if !is(node, "cpt") {
            let what = XDSL_UNSUPPORTED
                .iter()
                .find(|(t, _)| tag.eq_ignore_ascii_case(t))
                .map_or_else(
                    || format!("a node of type <{tag}>"),
                    |(_, w)| (*w).to_string(),
                );
            return Err(reader
                .error(at, format!("node `{id}` is {what}, which credence does not read"))
                .with_hint("credence reads chance nodes with full tables (<cpt>); in GeNIe, change the node to a general chance node (CPT) and save again"));
        }
        if id.is_empty() {
            return Err(reader
                .error(at, "a <cpt> node has no `id`")
                .with_hint("give each node an id, e.g. <cpt id=\"Rain\">"));
        }
        let mut decl = VarDecl {
            name: id.clone(),
            at,
            states: Vec::new(),
            evidence: None,
        };
        for state in children(node, "state") {
            let s_at = state.range().start;
            let Some(s) = state.attribute("id") else {
                return Err(reader
                    .error(s_at, format!("a <state> of `{id}` has no `id`"))
                    .with_hint("give each state an id, e.g. <state id=\"yes\"/>"));
            };
            decl.states.push((s.to_string(), s_at));
        }
        reader.states_unique(&decl)?;
        if decl.states.is_empty() {
            return Err(reader
                .error(at, format!("node `{id}` has no <state>"))
                .with_hint("list each state as <state id=\"NAME\"/>"));
        }
        for property in children(node, "property") {
            if property
                .attribute("id")
                .is_some_and(|k| k.eq_ignore_ascii_case("evidence"))
            {
                let (text, p_at) = text_of(property);
                decl.evidence = Some((text.trim().to_string(), p_at));
            }
        }
        let parents: Vec<(String, usize)> = children(node, "parents")
            .next()
            .map(|p| {
                words(p)
                    .into_iter()
                    .map(|(w, a)| (w.to_string(), a))
                    .collect()
            })
            .unwrap_or_default();
        let table = children(node, "probabilities")
            .next()
            .ok_or_else(|| {
                reader
                    .error(at, format!("node `{id}` has no <probabilities>"))
                    .with_hint("add <probabilities> with the table, one parent assignment after another (first parent slowest), the child's states within each")
            })?;
        probs.push(table_block(reader, (id, at), parents, table, at)?);
        vars.push(decl);
    }
    bif::resolve_declared(reader.text, name, vars, probs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two roots and a child of both (names and states that need mapping).
    fn network() -> (Network, WriteOptions) {
        let mut net = Network::new();
        let rain = net.add(
            "rain:today",
            vec!["no".into(), "yes".into()],
            vec![],
            vec![0.7, 0.3],
        );
        let sprinkler = net.add(
            "sprinkler",
            vec!["off".into(), "on".into()],
            vec![],
            vec![0.6, 0.4],
        );
        let grass = net.add(
            "grass <wet>",
            vec!["dry".into(), "damp".into(), "soaked & more".into()],
            vec![rain, sprinkler],
            vec![0.9, 0.1, 0.0, 0.2, 0.5, 0.3, 0.1, 0.3, 0.6, 0.0, 0.1, 0.9],
        );
        let options = WriteOptions {
            name: "test net".into(),
            comments: vec!["a -- comment\nline".into()],
            evidence: vec![(grass, 2)],
        };
        (net, options)
    }

    #[test]
    fn both_formats_round_trip() {
        let (net, options) = network();
        for (format, text) in [
            (XmlFormat::XmlBif, write_xmlbif(&net, &options)),
            (XmlFormat::Xdsl, write_xdsl(&net, &options)),
        ] {
            assert!(is_xml(&text));
            let (found, back) = parse(&text).unwrap_or_else(|e| panic!("{text}\n{e}"));
            assert_eq!(found, format);
            assert_eq!(back.net.len(), 3);
            assert_eq!(back.net.node(0).name, "rain_today");
            assert_eq!(back.net.node(2).name, "grass_wet_");
            assert_eq!(back.net.node(2).parents, vec![0, 1]);
            assert_eq!(&back.net.node(2).states[..], ["dry", "damp", "soaked_more"]);
            for v in 0..3 {
                assert_eq!(back.net.node(v).cpt, net.node(v).cpt);
            }
            assert_eq!(back.evidence, vec![(2, 2)]);
            assert!(!text.contains("a -- comment"), "{text}");
        }
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("<BIF><NETWORK>\n<VARIABLE><NAME>A</NAME><OUTCOME>x</OUTCOME><OUTCOME>y</OUTCOME></VARIABLE>\n<DEFINITION><FOR>A</FOR><TABLE>0.5 0.7</TABLE></DEFINITION></NETWORK></BIF>")
            .expect_err("bad sum");
        assert_eq!((e.line, e.column), (3, 32), "{e}");
        let e = parse("<BIF><NETWORK>\n<VARIABLE><NAME>A</NAME>\n<OUTCOME>x</OUTCOM></VARIABLE></NETWORK></BIF>")
            .expect_err("not well-formed");
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("not well-formed"), "{e}");
        let e = parse("<smile id=\"n\"><nodes>\n  <noisymax id=\"x\"/></nodes></smile>")
            .expect_err("noisy-max");
        assert_eq!((e.line, e.column), (2, 3), "{e}");
        assert!(e.message.contains("noisy-MAX"), "{e}");
        let e = parse("<smile id=\"n\"><nodes><cpt id=\"a\"><state id=\"s\"/><state id=\"t\"/><probabilities>0.5 x</probabilities></cpt></nodes></smile>")
            .expect_err("bad number");
        assert!(e.message.contains("`x`"), "{e}");
        let e = parse("<html/>").expect_err("other xml");
        assert!(e.message.contains("neither XMLBIF"), "{e}");
        let e = parse("<BIF><NETWORK><VARIABLE TYPE=\"decision\"><NAME>D</NAME><OUTCOME>a</OUTCOME></VARIABLE></NETWORK></BIF>")
            .expect_err("decision");
        assert!(e.message.contains("`decision` node"), "{e}");
    }

    #[test]
    fn hostile_input_is_refused_early() {
        let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE BIF [\n <!ENTITY lol \"lol\">\n <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n<BIF>&lol2;</BIF>";
        let e = parse(laughs).expect_err("entities");
        assert_eq!(e.line, 3, "{e}");
        let deep = "<a>".repeat(100_000);
        let e = parse(&deep).expect_err("deep");
        assert!(e.message.contains("nest"), "{e}");
        // A DTD without entities (as Weka and JavaBayes write) is read.
        let with_dtd = "<?xml version=\"1.0\"?>\n<!DOCTYPE BIF [\n <!ELEMENT BIF ( NETWORK )*>\n]>\n<BIF VERSION=\"0.3\"><NETWORK><NAME>n</NAME><VARIABLE TYPE=\"nature\"><NAME>A</NAME><OUTCOME>x</OUTCOME><OUTCOME>y</OUTCOME></VARIABLE><DEFINITION><FOR>A</FOR><TABLE>0.25 0.75</TABLE></DEFINITION></NETWORK></BIF>";
        let (_, bif) = parse(with_dtd).expect("reads");
        assert_eq!(bif.net.node(0).cpt, vec![0.25, 0.75]);
        // Huge tables: counted against the budget while read.
        let many = format!(
            "<smile id=\"n\"><nodes><cpt id=\"a\"><state id=\"s\"/><probabilities>{}</probabilities></cpt></nodes></smile>",
            "1 ".repeat(MAX_TOTAL_CPT_ENTRIES + 1)
        );
        let e = parse(&many).expect_err("too many numbers");
        assert!(e.message.contains("numbers"), "{e}");
    }
}
