// config.xml edits change only what they must: asserted byte for byte.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "midks/limits.hpp"
#include "midks/mid_auth.hpp"
#include "midks/mid_config.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

TEST(MidConfig, ReadsParametersWithEntitiesDecoded) {
  MidConfig c = MidConfig::load(config_dir() + "/mutual-auth.xml");
  EXPECT_EQ(c.get(mid_param::kUrl), "https://acme.service-now.com/");
  EXPECT_EQ(c.get(mid_param::kName), "acme & partners mid");
  EXPECT_EQ(c.get(mid_param::kUsername), std::nullopt);
  MidConfig fresh = MidConfig::load(config_dir() + "/fresh.xml");
  EXPECT_EQ(fresh.get(mid_param::kUsername), mid_param::kUsernamePlaceholder);
  EXPECT_TRUE(fresh.has_attribute(mid_param::kPassword, "secure"));
  EXPECT_EQ(fresh.get(mid_param::kUrl), "https://YOUR_INSTANCE.service-now.com/");  // not the commented-out one
}

TEST(MidConfig, ChangingAValueChangesOnlyThoseBytes) {
  std::string before = slurp(config_dir() + "/fresh.xml");
  MidConfig c = MidConfig::parse(before, "fresh.xml");
  c.set(mid_param::kUsername, "mid.server");
  std::string expected = before;
  std::string old = "value=\"YOUR_INSTANCE_USER_NAME_HERE\"";
  expected.replace(expected.find(old), old.size(), "value=\"mid.server\"");
  EXPECT_EQ(c.text(), expected);
}

TEST(MidConfig, ACommentedOutParameterIsNeverTheOneEdited) {
  std::string before = slurp(config_dir() + "/fresh.xml");
  MidConfig c = MidConfig::parse(before, "fresh.xml");
  c.set(mid_param::kUrl, "https://acme.service-now.com/");
  EXPECT_NE(c.text().find("<!-- <parameter name=\"url\" value=\"https://commented-out.example/\"/> -->"), std::string::npos);
  std::string expected = before;
  std::string old = "value=\"https://YOUR_INSTANCE.service-now.com/\"";
  expected.replace(expected.find(old), old.size(), "value=\"https://acme.service-now.com/\"");
  EXPECT_EQ(c.text(), expected);
}

TEST(MidConfig, ANewParameterFollowsTheFilesIndentationAndLineEndings) {
  std::string before = slurp(config_dir() + "/basic-auth-crlf.xml");
  MidConfig c = MidConfig::parse(before, "basic-auth-crlf.xml");
  c.set("mid.example.added", "1");
  std::string expected = before;
  expected.insert(expected.find("</parameters>"), "\t<parameter name=\"mid.example.added\" value=\"1\"/>\r\n");
  EXPECT_EQ(c.text(), expected);
}

TEST(MidConfig, AOneLineFileGetsTheNewParameterInsideTheRoot) {
  MidConfig c = MidConfig::parse("<parameters><parameter name=\"url\" value=\"x\"/></parameters>\n", "one-line");
  c.set("name", "mid1");
  EXPECT_EQ(c.text(), "<parameters><parameter name=\"url\" value=\"x\"/><parameter name=\"name\" value=\"mid1\"/>\n</parameters>\n");
}

TEST(MidConfig, OnlyDirectChildrenOfTheRootAreParameters) {
  const std::string text =
      "<parameters>\n  <group><parameter name=\"url\" value=\"nested\"/></group>\n  <parameter name=\"url\" value=\"top\"/>\n</parameters>\n";
  MidConfig c = MidConfig::parse(text, "nested");
  EXPECT_EQ(c.get("url"), "top");
  c.set("url", "changed");
  std::string expected = text;
  expected.replace(expected.find("value=\"top\""), 11, "value=\"changed\"");
  EXPECT_EQ(c.text(), expected);
}

TEST(MidConfig, ValuesAreEscapedAndReadBack) {
  MidConfig c = MidConfig::load(config_dir() + "/basic-auth.xml");
  const std::string tricky = "p&ss\"w<o>rd";
  c.set(mid_param::kPassword, tricky);
  EXPECT_EQ(c.get(mid_param::kPassword), tricky);
  EXPECT_NE(c.text().find("value=\"p&amp;ss&quot;w&lt;o&gt;rd\""), std::string::npos);
  EXPECT_TRUE(c.has_attribute(mid_param::kPassword, "encrypt"));  // other attributes are left as they were
}

TEST(MidConfig, RemovingAParameterTakesItsWholeLineAndNothingElse) {
  std::string before = slurp(config_dir() + "/basic-auth-crlf.xml");
  MidConfig c = MidConfig::parse(before, "basic-auth-crlf.xml");
  std::size_t at = before.find("\t<parameter name=\"mid.instance.username\"");
  ASSERT_NE(at, std::string::npos);
  std::string expected = before;
  expected.erase(at, before.find("\r\n", at) + 2 - at);
  EXPECT_EQ(c.remove(mid_param::kUsername), 1);
  EXPECT_EQ(c.text(), expected);
  EXPECT_EQ(c.remove(mid_param::kUsername), 0);  // nothing left: nothing changes
  EXPECT_EQ(c.text(), expected);
}

TEST(MidConfig, RemovingAParameterThatSharesItsLineTakesOnlyTheElement) {
  MidConfig c = MidConfig::parse(
      "<parameters><parameter name=\"a\" value=\"1\"/><parameter name=\"b\" value=\"2\"></parameter> <!-- b --></parameters>",
      "shared");
  EXPECT_EQ(c.remove("b"), 1);
  EXPECT_EQ(c.text(), "<parameters><parameter name=\"a\" value=\"1\"/> <!-- b --></parameters>");
}

TEST(MidConfig, RemovingTakesEveryCopyButNeverACommentedOrNestedOne) {
  const std::string text =
      "<parameters>\n  <parameter name=\"x\" value=\"1\"/>\n  <!-- <parameter name=\"x\" value=\"c\"/> -->\n"
      "  <g><parameter name=\"x\" value=\"n\"/></g>\n  <parameter name=\"x\" value=\"2\"/>\n</parameters>\n";
  MidConfig c = MidConfig::parse(text, "copies");
  EXPECT_EQ(c.remove("x"), 2);
  EXPECT_EQ(c.text(),
            "<parameters>\n  <!-- <parameter name=\"x\" value=\"c\"/> -->\n  <g><parameter name=\"x\" value=\"n\"/></g>\n</parameters>\n");
}

// A comment ends at the first "-->" after its "<!--": "<!--->" opens one and does not close it
// (found by the config fuzzer: the scanner took "<!--->" for a whole comment, removed a
// commented-out parameter with the "-->" inside it, and the comment then swallowed the next one).
TEST(MidConfig, ACommentThatSeemsToCloseAtOnceStillHidesWhatFollows) {
  const std::string text =
      "<parameters>\n  <!--->\n  <parameter name=\"x\" value=\"c\" a='-->'/>\n  <parameter name=\"y\" value=\"1\"/>\n"
      "  <!-- end -->\n</parameters>\n";
  MidConfig c = MidConfig::parse(text, "comment");
  EXPECT_EQ(c.get("x"), std::nullopt);
  EXPECT_EQ(c.remove("x"), 0);
  EXPECT_EQ(c.text(), text);
  c.set("x", "2", "y");
  EXPECT_EQ(c.get("x"), "2");
  EXPECT_EQ(c.get("y"), "1");
  EXPECT_NE(c.text().find("  <!--->\n  <parameter name=\"x\" value=\"c\" a='-->'/>\n"), std::string::npos);
}

TEST(MidConfig, CopiesSharingALineTakeTheLineOnceAllAreGone) {
  MidConfig c = MidConfig::parse(
      "<parameters>\n  <parameter name=\"x\" value=\"1\"/><parameter name=\"x\" value=\"2\"/>\n"
      "  <parameter name=\"y\" value=\"3\"/><parameter name=\"x\" value=\"4\"/>\n</parameters>\n",
      "same line");
  EXPECT_EQ(c.remove("x"), 3);
  EXPECT_EQ(c.text(), "<parameters>\n  <parameter name=\"y\" value=\"3\"/>\n</parameters>\n");
}

TEST(MidConfig, MoreCopiesThanTheLimitAreRefusedAndNothingIsRemoved) {
  auto with_copies = [](std::size_t n) {
    std::string text = "<parameters>\n";
    for (std::size_t i = 0; i < n; ++i) text += "  <parameter name=\"x\" value=\"" + std::to_string(i) + "\"/>\n";
    return text + "  <parameter name=\"y\" value=\"1\"/>\n</parameters>\n";
  };
  MidConfig at_limit = MidConfig::parse(with_copies(limits::kMaxParameterCopies), "at the limit");
  EXPECT_EQ(at_limit.remove("x"), static_cast<int>(limits::kMaxParameterCopies));
  EXPECT_EQ(at_limit.text(), "<parameters>\n  <parameter name=\"y\" value=\"1\"/>\n</parameters>\n");
  const std::string over = with_copies(limits::kMaxParameterCopies + 1);
  MidConfig c = MidConfig::parse(over, "over the limit");
  EXPECT_EQ(error_kind_of([&] { c.remove("x"); }), ErrorKind::Input);
  EXPECT_EQ(c.text(), over);
}

TEST(MidConfig, AParameterWithContentIsNotRemovedBlindly) {
  const std::string text = "<parameters>\n  <parameter name=\"x\" value=\"1\">text</parameter>\n</parameters>\n";
  MidConfig c = MidConfig::parse(text, "content");
  EXPECT_EQ(error_kind_of([&] { c.remove("x"); }), ErrorKind::Input);
}

TEST(MidConfig, ANewParameterCanGoRightBelowAnother) {
  std::string before = slurp(config_dir() + "/mutual-auth.xml");
  MidConfig c = MidConfig::parse(before, "mutual-auth.xml");
  c.set(mid_param::kUsername, "mid.server", mid_param::kUrl);
  std::string expected = before;
  std::size_t below_url = expected.find('\n', expected.find("name=\"url\"")) + 1;
  expected.insert(below_url, "  <parameter name=\"mid.instance.username\" value=\"mid.server\"/>\n");
  EXPECT_EQ(c.text(), expected);
}

TEST(MidConfig, RefusesWhatIsNotAMidConfig) {
  std::string message;
  EXPECT_EQ(error_kind_of([] { MidConfig::load(config_dir() + "/broken.xml"); }, &message), ErrorKind::Input);
  EXPECT_NE(message.find("not well-formed XML (line"), std::string::npos) << message;
  EXPECT_EQ(error_kind_of([] { MidConfig::load(config_dir() + "/wrong-root.xml"); }, &message), ErrorKind::Input);
  EXPECT_NE(message.find("no <parameters> root"), std::string::npos) << message;
  EXPECT_EQ(error_kind_of([] { MidConfig::load(config_dir() + "/missing.xml"); }, &message), ErrorKind::Io);
}

TEST(MidConfig, SavingKeepsTheModeAndABackup) {
#ifdef _WIN32
  GTEST_SKIP() << "POSIX file modes; on Windows a file gets its folder's ACL (tests/windows/windows_test.sh checks config.xml.bak)";
#else
  std::string dir = testing::TempDir() + "/midks-config-test";
  std::string path = dir + "/config.xml";
  ::mkdir(dir.c_str(), 0700);
  std::string before = slurp(config_dir() + "/basic-auth.xml");
  std::ofstream(path, std::ios::binary) << before;
  ::chmod(path.c_str(), 0640);
  MidConfig c = MidConfig::load(path);
  c.set(mid_param::kName, "renamed");
  c.save(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(slurp(path + ".bak"), before);
  EXPECT_EQ(MidConfig::load(path).get(mid_param::kName), "renamed");
#endif
}

// Another program writes config.xml between our read and our replace (the MID at start-up, an
// installer without our lock): its change is kept, ours is made again on its text.
TEST(MidConfig, AnEditRacingAnotherWriterKeepsTheOtherWritersChange) {
  std::string dir = testing::TempDir() + "/midks-config-race";
  std::string path = dir + "/config.xml";
  std::filesystem::create_directories(dir);
  std::ofstream(path, std::ios::binary) << slurp(config_dir() + "/basic-auth.xml");
  int attempts = 0;
  ConfigUpdate done = update_config(path, [&](MidConfig& c) {
    if (++attempts == 1) {  // the other writer, just after our read
      MidConfig other = MidConfig::load(path);
      other.set(mid_param::kName, "renamed-by-the-installer");
      other.save(path);
    }
    c.set("mid.proxy.host", "proxy.example");
    return true;
  });
  EXPECT_TRUE(done.written);
  EXPECT_EQ(attempts, 2);
  MidConfig after = MidConfig::load(path);
  EXPECT_EQ(after.get(mid_param::kName), "renamed-by-the-installer");
  EXPECT_EQ(after.get("mid.proxy.host"), "proxy.example");

  // A writer that never stops: refused, and nothing of ours is written.
  attempts = 0;
  EXPECT_THROW(
      {
        try {
          update_config(path, [&](MidConfig& c) {
            MidConfig other = MidConfig::load(path);
            other.set(mid_param::kName, "again-" + std::to_string(++attempts));
            other.save(path);
            c.set("mid.proxy.port", "3128");
            return true;
          });
        } catch (const Error& e) {
          EXPECT_EQ(e.code(), "CONFIG_CHANGED");
          throw;
        }
      },
      Error);
  EXPECT_EQ(attempts, kConfigEditAttempts);
  EXPECT_FALSE(MidConfig::load(path).get("mid.proxy.port").has_value());
}

TEST(MidConfig, SecretsAreReadIntoWipingMemoryOnly) {
  MidConfig c = MidConfig::parse(
      "<parameters>\n  <parameter name=\"mid.keystore.password\" value=\"s&amp;cr&lt;t\"/>\n"
      "  <parameter name=\"mid.proxy.password\" secure=\"true\" value=\"encrypted:QUJD\"/>\n"
      "  <parameter name=\"url\" value=\"https://acme.service-now.com/\"/>\n</parameters>\n",
      "config.xml");
  std::optional<Password> secret = c.get_secret(mid_param::kKeystorePassword);
  ASSERT_TRUE(secret);
  EXPECT_EQ(std::string(secret->c_str(), secret->size()), "s&cr<t");
  EXPECT_FALSE(c.get_secret("absent"));
  EXPECT_EQ(c.encrypted_parameter_names(), std::vector<std::string>{"mid.proxy.password"});
  // Reading secrets leaves the text as it was (the wiped values are tinyxml2's copy, not ours).
  EXPECT_EQ(c.get(mid_param::kUrl), "https://acme.service-now.com/");
  EXPECT_EQ(c.get_secret(mid_param::kKeystorePassword).has_value(), true);
}

}  // namespace
}  // namespace midks::test
