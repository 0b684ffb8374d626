//! The sessions of an endpoint in a slab: a [`SessionId`] holds a slot index and the slot's
//! generation, so finding a session is an index, and an id of a removed session never finds
//! the one that reuses its slot.

use crate::endpoint::SessionId;
use crate::session::Session;

#[derive(Debug, Default)]
struct Entry {
    generation: u32,
    session: Option<Session>,
}

#[derive(Debug, Default)]
pub(crate) struct Slab {
    entries: Vec<Entry>,
    free: Vec<u32>,
    len: usize,
}

impl Slab {
    /// The id the next [`insert`](Self::insert) must use.
    pub fn vacant(&self) -> SessionId {
        match self.free.last() {
            Some(&i) => SessionId::new(i, self.entries[i as usize].generation),
            None => SessionId::new(self.entries.len() as u32, 0),
        }
    }

    /// Stores `session` under `id`, which must be [`vacant`](Self::vacant)'s answer.
    pub fn insert(&mut self, id: SessionId, session: Session) {
        debug_assert_eq!(id, self.vacant());
        if self.free.last() == Some(&id.index()) {
            self.free.pop();
        } else {
            self.entries.push(Entry::default());
        }
        self.entries[id.index() as usize].session = Some(session);
        self.len += 1;
    }

    fn entry(&self, id: SessionId) -> Option<&Entry> {
        self.entries
            .get(id.index() as usize)
            .filter(|e| e.generation == id.generation())
    }

    pub fn get(&self, id: SessionId) -> Option<&Session> {
        self.entry(id)?.session.as_ref()
    }

    pub fn get_mut(&mut self, id: SessionId) -> Option<&mut Session> {
        self.entries
            .get_mut(id.index() as usize)
            .filter(|e| e.generation == id.generation())?
            .session
            .as_mut()
    }

    pub fn remove(&mut self, id: SessionId) -> Option<Session> {
        let e = self
            .entries
            .get_mut(id.index() as usize)
            .filter(|e| e.generation == id.generation())?;
        let s = e.session.take()?;
        e.generation = e.generation.wrapping_add(1);
        self.free.push(id.index());
        self.len -= 1;
        Some(s)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn iter(&self) -> impl Iterator<Item = (SessionId, &Session)> {
        self.entries.iter().enumerate().filter_map(|(i, e)| {
            let s = e.session.as_ref()?;
            Some((SessionId::new(i as u32, e.generation), s))
        })
    }
}
