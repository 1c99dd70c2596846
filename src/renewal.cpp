#include "midks/renewal.hpp"

#include "midks/keystore_transaction.hpp"
#include "midks/cert_info.hpp"
#include "midks/error.hpp"

namespace midks {

Renewal renew_key_entry(Keystore& keystore, const std::string& alias, ImportedKey&& renewed) {
  const Entry* current = keystore.find(alias);
  if (!current || current->kind != EntryKind::PrivateKey || current->chain.empty())
    fail(ErrorCode::RENEWAL_NO_ENTRY, "there is no key entry '" + alias + "' to renew");
  CertFacts old_leaf = describe_certificate(current->chain.front());
  CertFacts new_leaf = describe_certificate(renewed.chain.front());
  if (old_leaf.sha256 == new_leaf.sha256)
    fail(ErrorCode::RENEWAL_NOT_NEWER, "'" + current->alias + "' already holds this certificate (SHA-256 " + new_leaf.sha256 + ")");
  if (new_leaf.not_before <= old_leaf.not_before)
    fail(ErrorCode::RENEWAL_NOT_NEWER, "the certificate passed was issued " + utc_text(new_leaf.not_before, "%Y-%m-%d") + ", not after the current one (" +
                   utc_text(old_leaf.not_before, "%Y-%m-%d") + "): it is not a renewal");
  Renewal r;
  r.old_leaf = current->chain.front();
  r.new_leaf = renewed.chain.front();
  std::string base = java_lower(current->alias) + "-previous-" + utc_text(now_ms() / 1000, "%Y%m%d");
  r.previous_alias = base;
  for (int n = 2; keystore.find(r.previous_alias); ++n) r.previous_alias = base + "-" + std::to_string(n);
  Entry previous = *current;  // put() may move entries: nothing below touches `current`
  std::string stored_alias = previous.alias;
  previous.alias = r.previous_alias;
  keystore.put(std::move(previous));
  r.alias = keystore.put(make_key_entry(stored_alias, std::move(renewed))).alias;
  return r;
}

ImportOptions renewal_import_options(const Entry& current, ImportOptions options) {
  options.existing_key = &current.plain;
  // The current leaf is no issuer: only the CA certificates above it can complete the new chain.
  if (current.chain.size() > 1) options.known_issuers = std::span<const Bytes>(current.chain).subspan(1);
  return options;
}

std::vector<std::string> prune_previous_entries(Keystore& keystore, const std::string& alias) {
  std::string prefix = java_lower(alias) + "-previous-";
  std::vector<std::string> removed;
  for (const std::string& a : keystore.aliases())
    if (java_lower(a).rfind(prefix, 0) == 0) removed.push_back(a);
  keystore.remove_exact(removed);  // as listed: twins never make it ambiguous
  return removed;
}

}  // namespace midks
