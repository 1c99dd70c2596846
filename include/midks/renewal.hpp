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

// How a renewal's files are imported (import_bundle / import_bundle_files): a renewed certificate
// that comes without its key is paired with the entry's, and its chain is completed from the
// entry's current chain where the files stop, each link proved by signature; then it is checked
// as -a checks a bundle (a chain that still does not reach a root says where it ends).
// current: the key entry, opened (plain filled); it must outlive the returned options.
ImportOptions renewal_import_options(const Entry& current, ImportOptions options);

// Removes every "<alias>-previous-…" entry; returns their aliases.
std::vector<std::string> prune_previous_entries(Keystore& keystore, const std::string& alias);

}  // namespace midks
