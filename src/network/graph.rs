//! A discrete Bayesian network held in petgraph: one node per variable with
//! its states and its conditional probability table.

use std::sync::Arc;

use petgraph::graph::{DiGraph, NodeIndex};

use super::factor::{Factor, VarId};

/// One variable with its CPT P(var | parents).
#[derive(Clone, Debug)]
pub struct Node {
    /// The variable's name (unique in the network).
    pub name: String,
    /// Shared, because most nodes of a compiled model are binary with the
    /// same two state names.
    pub states: Arc<[String]>,
    /// In the order the CPT is laid out (first slowest).
    pub parents: Vec<VarId>,
    /// Row-major over (parents..., self): for each parent assignment, a
    /// distribution over this variable's states.
    pub cpt: Vec<f64>,
}

/// A discrete Bayesian network. Node indices are `VarId`s; edges run from
/// parent to child.
#[derive(Clone, Debug, Default)]
pub struct Network {
    /// The variables and the parent-to-child edges.
    pub graph: DiGraph<Node, ()>,
}

impl Network {
    /// An empty network.
    pub fn new() -> Network {
        Network::default()
    }

    /// An empty network with room for `nodes` variables and `edges` parent
    /// links (a large model's graph then never reallocates while compiling).
    pub fn with_capacity(nodes: usize, edges: usize) -> Network {
        Network {
            graph: DiGraph::with_capacity(nodes, edges),
        }
    }

    /// Add a variable. Parents must already exist; `cpt` has one row of
    /// `states.len()` entries per parent assignment.
    pub fn add(
        &mut self,
        name: impl Into<String>,
        states: Vec<String>,
        parents: Vec<VarId>,
        cpt: Vec<f64>,
    ) -> VarId {
        self.add_shared(name, states.into(), parents, cpt)
    }

    /// As [`Network::add`], with state names shared with other nodes.
    pub fn add_shared(
        &mut self,
        name: impl Into<String>,
        states: Arc<[String]>,
        parents: Vec<VarId>,
        cpt: Vec<f64>,
    ) -> VarId {
        let id = self.graph.add_node(Node {
            name: name.into(),
            states,
            parents: parents.clone(),
            cpt,
        });
        for p in parents {
            self.graph.add_edge(NodeIndex::new(p), id, ());
        }
        id.index()
    }

    /// The number of variables.
    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    /// Whether there are no variables.
    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    /// The variable `v`.
    pub fn node(&self, v: VarId) -> &Node {
        &self.graph[NodeIndex::new(v)]
    }

    /// The variable `v`, to change its CPT.
    pub fn node_mut(&mut self, v: VarId) -> &mut Node {
        &mut self.graph[NodeIndex::new(v)]
    }

    /// The number of states of `v`.
    pub fn card(&self, v: VarId) -> usize {
        self.node(v).states.len()
    }

    /// The number of states of every variable, indexed by `VarId`.
    pub fn cards(&self) -> Vec<usize> {
        self.graph.node_weights().map(|n| n.states.len()).collect()
    }

    /// The variable with this name.
    pub fn find(&self, name: &str) -> Option<VarId> {
        self.graph
            .node_indices()
            .find(|&i| self.graph[i].name == name)
            .map(NodeIndex::index)
    }

    /// The CPT of `v` as a factor over its parents and itself.
    pub fn cpt_factor(&self, v: VarId) -> Factor {
        let node = self.node(v);
        let mut vars = node.parents.clone();
        vars.push(v);
        let cards: Vec<usize> = vars.iter().map(|&u| self.card(u)).collect();
        Factor::new(&vars, &cards, node.cpt.clone())
    }

    /// Children of `v`.
    pub fn children(&self, v: VarId) -> impl Iterator<Item = VarId> + '_ {
        self.graph
            .neighbors_directed(NodeIndex::new(v), petgraph::Direction::Outgoing)
            .map(NodeIndex::index)
    }
}
