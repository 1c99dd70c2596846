// The MID's layout as the engine sees it: which keystore file, where backups go and how many stay,
// and aliases that differ only in case.
#include <boost/filesystem.hpp>
#include <fstream>

#include "midks/agent_layout.hpp"
#include "midks/keystore_file.hpp"
#include "midks/keystore_transaction.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

namespace fs = boost::filesystem;

struct TempAgent {
  fs::path dir = fs::temp_directory_path() / fs::unique_path("midks-agent-%%%%%%%%");
  TempAgent() { fs::create_directories(dir); }
  ~TempAgent() { fs::remove_all(dir); }
  void touch(const std::string& rel, const std::string& text = "x") {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
  }
};

TEST(AgentLayout, TheMidsOwnFileFirstThenOlderOnes) {
  TempAgent a;
  std::string root = a.dir.string();
  KeystoreLocation none = locate_keystore(root);
  EXPECT_FALSE(none.exists);
  EXPECT_EQ(none.path, root + "/security/agent_keystore");
  a.touch("keystore/agent_keystore.jks");
  EXPECT_EQ(locate_keystore(root).path, root + "/keystore/agent_keystore.jks");
  a.touch("keystore/agent_keystore");
  EXPECT_EQ(locate_keystore(root).path, root + "/keystore/agent_keystore");
  a.touch("security/agent_keystore.jks");
  a.touch("security/agent_keystore");
  KeystoreLocation all = locate_keystore(root);
  EXPECT_EQ(all.path, root + "/security/agent_keystore");
  EXPECT_EQ(all.also_present.size(), 3u);
}

TEST(AgentLayout, BackupsGoBesideTheSecurityFolderAndFollowConfigXml) {
  TempAgent a;
  a.touch("security/agent_keystore", "v0");
  a.touch("config.xml",
          "<parameters><parameter name=\"mid.keystore.max_backups\" value=\"2\"/>"
          "<parameter name=\"mid.keystore.backup_overwrite_timespan\" value=\"10\"/>"
          "<parameter name=\"keypairs.mid_id\" value=\"abc123\"/></parameters>");
  std::string ks = (a.dir / "security/agent_keystore").string();
  BackupPolicy p = backup_policy(ks, a.dir.string(), (a.dir / "config.xml").string());
  EXPECT_EQ(fs::path(p.folder), fs::canonical(a.dir) / "security_backup");
  EXPECT_EQ(p.max_backups, 2);
  EXPECT_EQ(p.overwrite_timespan_s, 10);
  EXPECT_EQ(p.mid_id, "abc123");

  const std::int64_t t0 = 1'800'000'000'000;  // fixed clock
  auto change = [&](std::string_view state, std::vector<std::string> aliases, std::int64_t at, bool succeeded = true) {
    KeystoreBackup b(ks, ByteView(reinterpret_cast<const std::uint8_t*>(state.data()), state.size()), aliases, p, at);
    if (succeeded) b.commit();
    return b.path();
  };
  std::string b1 = change("v0", {"b", "a"}, t0);
  EXPECT_EQ(slurp(b1), "v0");
  // Within 10 s of b1: the backup from before this burst stays; no copy of a state in between.
  EXPECT_EQ(change("v1", {"a"}, t0 + 5'000), b1);
  EXPECT_EQ(slurp(b1), "v0");
  std::string b3 = change("v2", {"a"}, t0 + 60'000);
  std::string failed = change("v3", {"a"}, t0 + 90'000, false);  // the change failed: its copy goes again
  EXPECT_FALSE(fs::exists(failed));
  std::string b4 = change("v3", {"a"}, t0 + 120'000);  // max 2: b1 goes
  EXPECT_FALSE(fs::exists(b1));
  EXPECT_TRUE(fs::exists(b3) && fs::exists(b4));
  EXPECT_EQ(fs::path(b4).filename().string(), "agent_keystore.20270115-080200.000");
  std::string log = slurp(p.folder + "/keystore_backup_audit_trail.log");
  EXPECT_NE(log.find("backup=agent_keystore.20270115-080000.000 keypairs.mid_id=abc123 aliases=a,b "), std::string::npos) << log;
  EXPECT_NE(log.find("kept=agent_keystore.20270115-080000.000"), std::string::npos) << log;
  // The failed change was recorded before it was tried (so no keystore is ever replaced
  // unrecorded); when it failed, its line was cut off the trail again, as its copy was removed.
  EXPECT_EQ(log.find("080130.000"), std::string::npos) << log;
  EXPECT_EQ(log.find("unchanged:"), std::string::npos) << log;
  EXPECT_NE(log.find("removed=agent_keystore.20270115-080000.000"), std::string::npos);

  p.max_backups = 0;
  EXPECT_EQ(change("v4", {"a"}, t0 + 180'000), "");
}

TEST(AgentLayout, AKeystoreElsewhereKeepsItsBackupsBesideItsFolder) {
  TempAgent a;
  a.touch("elsewhere/store.jks");
  BackupPolicy p = backup_policy((a.dir / "elsewhere/store.jks").string(), (a.dir / "agent").string(), "/nonexistent/config.xml");
  EXPECT_EQ(fs::path(p.folder), fs::canonical(a.dir) / "elsewhere/security_backup");  // never above the keystore's folder
  EXPECT_EQ(p.max_backups, 3);
  EXPECT_EQ(p.overwrite_timespan_s, 60);
}

Entry trusted(const std::string& alias) {
  Entry e;
  e.alias = alias;
  e.kind = EntryKind::TrustedCert;
  return e;
}

TEST(AgentLayout, RemovingAllButTheMidKeyRebuildsTheIndexOnce) {
  // -r on a large store: one index rebuild for all removals, not one per entry (quadratic).
  Keystore ks;
  for (int i = 0; i < 500; ++i) ks.put(trusted("ca-" + std::to_string(i)));
  ks.put(trusted("DefaultSecurityKeyPairHandle"), Keystore::AliasCase::AsFound);
  const std::size_t before = ks.index_rebuilds();
  std::vector<std::string> removed = remove_all_but_mid_key(ks);
  EXPECT_LE(ks.index_rebuilds() - before, 1u);
  EXPECT_EQ(removed.size(), 500u);
  ASSERT_EQ(ks.size(), 1u);
  EXPECT_NE(ks.find(kMidKeyAlias), nullptr);
  EXPECT_EQ(ks.find("ca-7"), nullptr);
}

TEST(AgentLayout, CaseTwinsAreKeptApartAndNeverChosenSilently) {
  Keystore ks;
  ks.put(trusted("MidKey"), Keystore::AliasCase::AsFound);
  ks.put(trusted("midkey"), Keystore::AliasCase::AsFound);
  ks.put(trusted("other"), Keystore::AliasCase::AsFound);
  EXPECT_EQ(ks.size(), 3u);
  EXPECT_EQ(ks.matching("MIDKEY").size(), 2u);
  for (auto attempt : {+[](Keystore& k) { k.find("midkey"); }, +[](Keystore& k) { k.remove("MidKey"); },
                       +[](Keystore& k) { k.put(trusted("MIDKEY")); }}) {
    try {
      attempt(ks);
      ADD_FAILURE() << "an alias matching two entries was resolved";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "AMBIGUOUS_ALIAS");
      EXPECT_NE(std::string(e.what()).find("'MidKey' and 'midkey'"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(ks.size(), 3u);
  EXPECT_TRUE(ks.remove_exact("MidKey"));
  EXPECT_EQ(ks.find("MIDKEY")->alias, "midkey");
  ks.put(trusted("midkey"), Keystore::AliasCase::AsFound);  // a repeated alias replaces, as Java's Hashtable
  EXPECT_EQ(ks.size(), 2u);
}

// passwd's transaction: the keystore is written, then config.xml fails; the keystore is put back,
// its backup goes again, and the error says that nothing changed.
TEST(AgentLayout, APartnerWriteThatFailsPutsTheKeystoreBack) {
  TempAgent a;
  std::string ks = (a.dir / "security/agent_keystore").string();
  fs::create_directories(a.dir / "security");
  fs::copy_file(fixtures_dir() + "/keytool-agent.jks", ks);
  const std::string before = slurp(ks);
  BackupPolicy p = backup_policy(ks, a.dir.string(), (a.dir / "config.xml").string());
  Password old_pw("changeit"), new_pw("changed-it");
  std::string message;
  try {
    update_keystore(ks, old_pw, StoreType::Jks, [](Keystore&) { return true; }, p, 5, &new_pw,
                    [] { fail(ErrorCode::FILE_WRITE_FAILED, "cannot write config.xml: No space left on device"); });
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "FILE_WRITE_FAILED");
    message = e.what();
  }
  EXPECT_NE(message.find("was put back as it was, so nothing changed"), std::string::npos) << message;
  EXPECT_EQ(slurp(ks), before);
  EXPECT_NO_THROW(load_keystore(ks, &old_pw));
  for (const auto& f : fs::directory_iterator(p.folder))
    EXPECT_EQ(f.path().filename().string(), kBackupAuditLog) << "a backup of a change that did not happen";
}

}  // namespace
}  // namespace midks::test
