"""Drives the real Maven (Debian's 3.8.7, with the deploy and dependency plugins from Debian's
packages) against a Maven repository on loopback, with no other network: every repository but
the one under test resolves from Debian's /usr/share/maven-repo (file:), so plugins and their
dependencies come from installed packages. See docs/maven-notes.md for why each setting is there.

    settings = write_settings(work, "http://127.0.0.1:8080/api/v4/projects/1/packages/maven",
                              token=ROOT_TOKEN)                      # Private-Token header
    jar, pom = make_artifact(work, "com.acme", "demo", "1.0")
    deploy_file(settings, local_repo, url, jar, pom)                  # CompletedProcess
    dependency_get(settings, empty_local_repo, "com.acme:demo:1.0")   # from the settings' URL

Offline-ness comes from the settings (a mirror of every repository id except the one under test
onto file:///usr/share/maven-repo). Maven's `-o` cannot be used for deploys: the deploy plugin
refuses ("Cannot deploy artifacts when Maven is in offline mode") whatever the resolver allows.
Resolutions do run with `-o` plus the resolver's offline exceptions for file: and 127.0.0.1
(OFFLINE_GET), so a `dependency:get` cannot reach any other host even if a pom named one.
"""

import os
import subprocess
import zipfile
from xml.sax.saxutils import escape

DEBIAN_REPO = "file:///usr/share/maven-repo"
# Pinned: the versions Debian 12 ships (libmaven-deploy-plugin-java 3.0.0-1,
# libmaven-dependency-plugin-java 3.5.0-1). Maven 3.8.7's defaults (deploy 2.7, dependency 2.8)
# exist in /usr/share/maven-repo only as poms relocating to these; naming them keeps it explicit.
DEPLOY_PLUGIN = "org.apache.maven.plugins:maven-deploy-plugin:3.0.0"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.5.0"
REPO_ID = "packyard"
# -o, except for file: repositories (Debian's) and the loopback server (resolver 1.6's
# DefaultOfflineController reads these two properties).
OFFLINE_GET = ("-o", "-Daether.offline.protocols=file", "-Daether.offline.hosts=127.0.0.1")


def write_settings(folder, url=None, token=None, header="Private-Token", username=None,
                   password=None, checksum_policy="fail", name="settings.xml"):
    """Writes a settings.xml into folder and returns its path.

    Credentials for the server id "packyard": with token, an httpHeaders property `header`
    (Private-Token, Job-Token or Deploy-Token) sent on every request; with username/password,
    Basic auth (sent up front on PUT, after a 401 challenge on GET). url, when given, is the
    repository dependency_get resolves from, with checksumPolicy `checksum_policy` (fail: Maven
    fetches .sha1, falling back to .md5, and stops on a mismatch or when neither exists).
    Debian's repository has no checksum files, so it is declared with checksumPolicy ignore
    (which is also why Maven's global -C cannot be used)."""
    server = f"    <server>\n      <id>{REPO_ID}</id>\n"
    if username is not None:
        server += (f"      <username>{escape(username)}</username>\n"
                   f"      <password>{escape(password or '')}</password>\n")
    if token is not None:
        server += ("      <configuration>\n        <httpHeaders>\n"
                   f"          <property><name>{escape(header)}</name>"
                   f"<value>{escape(token)}</value></property>\n"
                   "        </httpHeaders>\n      </configuration>\n")
    server += "    </server>\n"
    debian = (f"<id>central</id><url>{DEBIAN_REPO}</url>"
              "<releases><checksumPolicy>ignore</checksumPolicy></releases>"
              "<snapshots><enabled>false</enabled></snapshots>")
    repos = f"        <repository>{debian}</repository>\n"
    if url:
        policy = (f"<checksumPolicy>{checksum_policy}</checksumPolicy>"
                  "<updatePolicy>always</updatePolicy>")
        repos += (f"        <repository><id>{REPO_ID}</id><url>{escape(url)}</url>"
                  f"<releases><enabled>true</enabled>{policy}</releases>"
                  f"<snapshots><enabled>true</enabled>{policy}</snapshots></repository>\n")
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<settings>
  <offline>false</offline>
  <interactiveMode>false</interactiveMode>
  <mirrors>
    <mirror>
      <id>debian-mirror</id>
      <mirrorOf>*,!{REPO_ID},!central</mirrorOf>
      <url>{DEBIAN_REPO}</url>
    </mirror>
  </mirrors>
  <servers>
{server}  </servers>
  <profiles>
    <profile>
      <id>{REPO_ID}</id>
      <repositories>
{repos}      </repositories>
      <pluginRepositories>
        <pluginRepository>{debian}</pluginRepository>
      </pluginRepositories>
    </profile>
  </profiles>
  <activeProfiles><activeProfile>{REPO_ID}</activeProfile></activeProfiles>
</settings>
"""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def make_artifact(folder, group, artifact, version, content=None, packaging="jar"):
    """A jar (made with zipfile, so no JDK tool is needed) and its pom; returns (jar, pom)."""
    os.makedirs(folder, exist_ok=True)
    base = os.path.join(folder, f"{artifact}-{version}")
    jar = base + ".jar"
    with zipfile.ZipFile(jar, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n")
        z.writestr(f"{group.replace('.', '/')}/{artifact}/VERSION",
                   content if content is not None else f"{group}:{artifact}:{version}\n")
    pom = base + ".pom"
    with open(pom, "w") as f:
        f.write(f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>{escape(group)}</groupId>
  <artifactId>{escape(artifact)}</artifactId>
  <version>{escape(version)}</version>
  <packaging>{escape(packaging)}</packaging>
</project>
""")
    return jar, pom


def mvn(settings, local_repo, args, cwd=None, timeout=300, env=None):
    """Runs `mvn -B` with the settings and local repository; returns the CompletedProcess
    (stdout and stderr as text). cwd defaults to the settings' folder, which must hold no
    pom.xml (the goals run on Maven's standalone project)."""
    os.makedirs(local_repo, exist_ok=True)
    cmd = ["mvn", "-B", "-s", settings, f"-Dmaven.repo.local={local_repo}",
           "-Dstyle.color=never", *args]
    e = dict(os.environ if env is None else env)
    e.setdefault("MAVEN_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1")
    return subprocess.run(cmd, cwd=cwd or os.path.dirname(settings), capture_output=True,
                          text=True, timeout=timeout, env=e)


def deploy_file(settings, local_repo, url, jar, pom, extra=(), timeout=300):
    """`mvn deploy:deploy-file` of jar + pom to url (e.g. <base>/api/v4/projects/1/packages/maven),
    with the credentials of the settings' "packyard" server. Maven PUTs jar, .sha1, .md5, pom,
    .sha1, .md5, then GETs and PUTs maven-metadata.xml (and, for a SNAPSHOT, the per-version
    metadata, timestamped file names)."""
    return mvn(settings, local_repo,
               [f"{DEPLOY_PLUGIN}:deploy-file", f"-Dfile={jar}", f"-DpomFile={pom}",
                f"-DrepositoryId={REPO_ID}", f"-Durl={url}", *extra], timeout=timeout)


def dependency_get(settings, local_repo, coords, extra=(), timeout=300):
    """`mvn dependency:get -Dartifact=<coords>` (group:artifact:version[:packaging[:classifier]])
    from the repository written into the settings (write_settings(url=...)), checksums checked
    with its checksumPolicy. Use a fresh local_repo to make Maven download everything again."""
    return mvn(settings, local_repo,
               [*OFFLINE_GET, f"{DEPENDENCY_PLUGIN}:get", f"-Dartifact={coords}",
                "-Dtransitive=false", *extra], timeout=timeout)


def dependency_copy(settings, local_repo, coords, out_dir, extra=(), timeout=300):
    """`mvn dependency:copy`: resolves coords like dependency_get and copies the file into
    out_dir (so a test can compare bytes with what it deployed)."""
    return mvn(settings, local_repo,
               [*OFFLINE_GET, f"{DEPENDENCY_PLUGIN}:copy", f"-Dartifact={coords}",
                f"-DoutputDirectory={out_dir}", *extra], timeout=timeout)


def local_file(local_repo, group, artifact, version, ext="jar"):
    """Where Maven put a resolved release file in local_repo."""
    return os.path.join(local_repo, *group.split("."), artifact, version,
                        f"{artifact}-{version}.{ext}")
