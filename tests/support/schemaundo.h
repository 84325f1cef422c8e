#pragma once

namespace threadline {
class Store;
}

namespace threadline::test {

//! Takes an open database at the latest schema back to the shape it had before version 6 (the
//! sorted-list indexes, the assignee_sort column and its triggers), for the tests that rebuild an
//! older database and migrate it forward. Every test that rewinds the schema must also rewind the
//! versions after the one it tests: add each new migration's undo here. Returns false (with a
//! warning naming the statement) when a statement fails.
bool undoSchemaVersionSix(Store &store);

} // namespace threadline::test
