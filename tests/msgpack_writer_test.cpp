// The stores' MessagePack writer (src/storage/msgpack_writer.hpp) must write exactly the
// bytes nlohmann's to_msgpack writes: blobs written before it were nlohmann's, blobs
// written after it are read by nlohmann's from_msgpack, and a test comparing a store's
// bytes with a committed file would otherwise drift.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/msgpack_writer.hpp"

namespace {

using Json = nlohmann::json;

std::vector<std::uint8_t> ours(const Json& j) {
  fengqiao::core_detail::Buf out;
  fengqiao::storage_detail::put_msgpack(out, j);
  return std::vector<std::uint8_t>(reinterpret_cast<const std::uint8_t*>(out.data()),
                                   reinterpret_cast<const std::uint8_t*>(out.data()) + out.size());
}

void same_bytes(const Json& j) {
  CAPTURE(j.dump());
  CHECK(ours(j) == Json::to_msgpack(j));
}

// A random value: nested containers, integers near every format boundary, floats that do
// and do not fit a float, strings of every header length.
Json random_value(std::mt19937_64& rng, int depth) {
  auto pick = [&](std::uint64_t n) { return rng() % n; };
  static const std::int64_t kEdges[] = {0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, 4294967295LL, 4294967296LL};
  switch (pick(depth > 3 ? 6 : 8)) {
    case 0: return nullptr;
    case 1: return pick(2) == 0;
    case 2: {
      const std::int64_t edge = kEdges[pick(std::size(kEdges))] + static_cast<std::int64_t>(pick(3)) - 1;
      return pick(2) ? Json(edge) : Json(-edge);
    }
    case 3: return Json(static_cast<std::uint64_t>(rng()));
    case 4: {
      const double choices[] = {0.5, 1.0 / 3, -2.25, 1e300, -1e-300, 3.4e38, 3.5e38, std::nan(""),
                                std::numeric_limits<double>::infinity(), static_cast<double>(rng()) / 7};
      return choices[pick(std::size(choices))];
    }
    case 5: {
      const std::size_t lengths[] = {0, 1, 31, 32, 255, 256, 65535, 65536};
      return std::string(lengths[pick(std::size(lengths))], static_cast<char>('a' + pick(26)));
    }
    case 6: {
      Json a = Json::array();
      const std::size_t n = pick(2) ? pick(17) : 15 + pick(3);
      for (std::size_t i = 0; i < n; ++i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      Json o = Json::object();
      const std::size_t n = pick(2) ? pick(17) : 15 + pick(3);
      for (std::size_t i = 0; i < n; ++i) o["k" + std::to_string(pick(40))] = random_value(rng, depth + 1);
      return o;
    }
  }
}

}  // namespace

TEST_CASE("integers at each format's boundary are written in the format nlohmann picks") {
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{127}, std::int64_t{128}, std::int64_t{255}, std::int64_t{256},
                         std::int64_t{65535}, std::int64_t{65536}, std::int64_t{4294967295LL},
                         std::int64_t{4294967296LL}, std::numeric_limits<std::int64_t>::max(), std::int64_t{-1},
                         std::int64_t{-32}, std::int64_t{-33}, std::int64_t{-128}, std::int64_t{-129},
                         std::int64_t{-32768}, std::int64_t{-32769}, std::int64_t{-2147483648LL},
                         std::int64_t{-2147483649LL}, std::numeric_limits<std::int64_t>::min()})
    same_bytes(Json(v));
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{200}, std::uint64_t{70000},
                          std::numeric_limits<std::uint64_t>::max()})
    same_bytes(Json(v));
}

TEST_CASE("floats are written as float 32 when they survive it, else float 64") {
  for (double d : {0.0, -0.0, 0.5, 1.0 / 3, 3.4028234663852886e38, 3.5e38, -3.5e38, 1e-45, 1e300, std::nan(""),
                   std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()})
    same_bytes(Json(d));
}

TEST_CASE("strings, arrays and objects at each header's boundary") {
  for (std::size_t n : {0, 1, 31, 32, 255, 256, 65535, 65536}) same_bytes(Json(std::string(n, 'x')));
  same_bytes(Json("调解员 \xF0\x9F\x98\x80"));
  for (std::size_t n : {0, 15, 16, 65535, 65536}) same_bytes(Json(std::vector<int>(n, 1)));
  for (std::size_t n : {0, 15, 16, 70000}) {
    Json o = Json::object();
    for (std::size_t i = 0; i < n; ++i) o["key" + std::to_string(i)] = i;
    same_bytes(o);
  }
}

TEST_CASE("binary values go through nlohmann's own writer") {
  same_bytes(Json::binary({1, 2, 3}));
  same_bytes(Json::binary({1, 2, 3, 4}, 7));
  same_bytes(Json{{"b", Json::binary(std::vector<std::uint8_t>(300, 9), 2)}});
}

TEST_CASE("random nested values: the same bytes, and from_msgpack reads them back") {
  std::mt19937_64 rng(20261201);
  for (int i = 0; i < 300; ++i) {
    const Json j = random_value(rng, 0);
    same_bytes(j);
    const auto bytes = ours(j);
    const Json back = Json::from_msgpack(bytes);
    // NaN is not equal to itself: compare the encodings of what came back instead.
    CHECK(Json::to_msgpack(back) == bytes);
  }
}

TEST_CASE("an action's data as the engine stores it") {
  same_bytes(Json{{"route", "people_mediation"}, {"lead", "justice"}, {"co_handlers", {"police", "township"}}});
  same_bytes(Json::object());
  same_bytes(Json());
}
