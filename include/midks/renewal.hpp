// Renewing a key entry's certificate while keeping its key (and, until pruned, the old entry).
#pragma once
#include <string>
#include <vector>

#include "midks/bundle.hpp"
#include "midks/model.hpp"

namespace midks {

// A renewal: the alias gets the renewed entry and the replaced one stays as
// "<alias>-previous-<YYYYMMDD>" (the renewal day, UTC) until pruned. Refuses (RENEWAL_NOT_NEWER)
// a leaf issued no later than the current one, and (RENEWAL_NO_ENTRY) an alias that holds no
// key entry to renew.
struct Renewal {
  std::string alias, previous_alias;
  Bytes old_leaf, new_leaf;
};
Renewal renew_key_entry(Keystore& keystore, const std::string& alias, ImportedKey&& renewed);
// Removes every "<alias>-previous-…" entry; returns their aliases.
std::vector<std::string> prune_previous_entries(Keystore& keystore, const std::string& alias);

}  // namespace midks
