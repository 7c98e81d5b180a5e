// Action data as MessagePack, written straight into a Buf: the bytes nlohmann's
// to_msgpack writes for the same value (compact floats included), without its output
// adapter's virtual call per byte or the JSON value it builds for each object key (perf:
// to_msgpack was 4 % of an in-memory action). nlohmann's from_msgpack reads it back;
// tests/msgpack_writer_test.cpp holds the two writers to the same bytes.
#pragma once

#include <nlohmann/json.hpp>

#include "core/buf.hpp"

namespace fengqiao::storage_detail {

// Appends `j`'s MessagePack encoding to `out`.
void put_msgpack(core_detail::Buf& out, const nlohmann::json& j);

}  // namespace fengqiao::storage_detail
