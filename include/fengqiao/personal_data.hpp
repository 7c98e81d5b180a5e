// Personal data (a party's id_number and phone) and where it may go.
//
// The store keeps them as given: the case needs them, and the embedder's own screens read
// them through the API (Engine::get, visits()). Everything the library itself writes for
// others — exports, reports, error messages, the default outbox payloads — leaves them out
// or masks them, unless the caller asks for them explicitly (ExportOptions). Masking keeps
// the kind of value recognisable for a clerk on the phone (139****0001) without
// identifying the person.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace fengqiao {

// Whether what the library writes for others carries parties' id_number and phone.
enum class PersonalData : unsigned char {
  masked,    // id_number and phone masked (the default everywhere)
  included,  // as stored: for a transfer to another system that is entitled to them
};

// "13900000001" -> "139****0001" (11 or more characters: the first 3 and last 4 kept);
// shorter: all but the last 2 masked; 3 or fewer: all masked. Counted in UTF-8 code points,
// so the result is valid UTF-8 whenever the input is.
std::string mask_phone(std::string_view phone);
// "110101199001011234" -> "1101**********1234" (12 or more: the first 4 and last 4 kept);
// shorter: all but the last 2 masked; 3 or fewer: all masked.
std::string mask_id_number(std::string_view id_number);
// `data` with every parties[i].id_number and parties[i].phone masked (the shape of a
// register action's or a visit's data); other keys, and values of other types, unchanged.
nlohmann::json mask_parties(nlohmann::json data);

}  // namespace fengqiao
