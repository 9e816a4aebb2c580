package io.tally.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The build is publishable: a LICENSE, the metadata a central repository requires on every
 * published POM (name, description, url, licenses, developers, scm: set or inherited from the
 * parent), every published module in the BOM, and the unpublished modules never deployed.
 */
class PublishedPomsTest {
  private final Path root = TestEnvironment.repositoryRoot();

  @Test
  void licenseIsApache2() throws Exception {
    String license = Files.readString(root.resolve("LICENSE"));
    assertThat(license).contains("Apache License").contains("Version 2.0, January 2004");
  }

  @Test
  void everyPublishedPomHasTheRequiredMetadata() throws Exception {
    Element parent = pom(root.resolve("pom.xml"));
    assertRequiredMetadata("parent", parent);
    assertThat(parent.getAttribute("child.project.url.inherit.append.path")).isEqualTo("false");
    Element bom = pom(root.resolve("bom/pom.xml"));
    assertRequiredMetadata("bom", bom);

    List<String> published = texts(child(parent, "modules"), "module");
    List<String> bomArtifacts =
        texts(child(child(bom, "dependencyManagement"), "dependencies"), "artifactId");
    for (String module : published) {
      Element pom = pom(root.resolve(module).resolve("pom.xml"));
      assertThat(text(pom, "name")).as("%s name", module).isNotBlank();
      assertThat(text(pom, "description")).as("%s description", module).isNotBlank();
      assertThat(deploySkipped(pom)).as("%s deployed", module).isFalse();
      if (!module.equals("bom")) {
        assertThat(bomArtifacts).as("the BOM").contains(text(pom, "artifactId"));
      }
    }
    assertThat(published).contains("core", "testkit", "store-h2", "store-postgres", "micrometer");
  }

  @Test
  void unpublishedModulesAreNeverDeployed() throws Exception {
    Element parent = pom(root.resolve("pom.xml"));
    List<String> unpublished = new ArrayList<>();
    NodeList profiles = parent.getElementsByTagName("profile");
    for (int i = 0; i < profiles.getLength(); i++) {
      Element profile = (Element) profiles.item(i);
      if (text(profile, "id").equals("all-modules")) {
        unpublished.addAll(texts(child(profile, "modules"), "module"));
      }
    }
    assertThat(unpublished)
        .containsExactlyInAnyOrder("core-tests", "examples", "fault-tests", "benchmarks");
    for (String module : unpublished) {
      assertThat(deploySkipped(pom(root.resolve(module).resolve("pom.xml"))))
          .as("%s sets maven.deploy.skip", module)
          .isTrue();
    }
  }

  private static void assertRequiredMetadata(String which, Element pom) {
    assertThat(text(pom, "url")).as("%s url", which).startsWith("https://");
    assertThat(text(child(child(pom, "licenses"), "license"), "name")).isEqualTo("Apache-2.0");
    assertThat(text(child(child(pom, "developers"), "developer"), "name")).isNotBlank();
    assertThat(text(child(pom, "scm"), "connection")).as("%s scm", which).startsWith("scm:git:");
    assertThat(text(child(pom, "scm"), "url")).as("%s scm url", which).startsWith("https://");
  }

  private static boolean deploySkipped(Element pom) {
    Element properties = child(pom, "properties");
    return properties != null && "true".equals(text(properties, "maven.deploy.skip"));
  }

  private static Element pom(Path file) throws Exception {
    Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    return d.getDocumentElement();
  }

  /**
   * @return the first direct child element named {@code name}, or null
   */
  private static Element child(Element parent, String name) {
    if (parent == null) {
      return null;
    }
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element && n.getNodeName().equals(name)) {
        return (Element) n;
      }
    }
    return null;
  }

  private static String text(Element parent, String name) {
    Element e = child(parent, name);
    return e == null ? "" : e.getTextContent().trim();
  }

  private static List<String> texts(Element parent, String name) {
    List<String> out = new ArrayList<>();
    NodeList list = parent.getElementsByTagName(name);
    for (int i = 0; i < list.getLength(); i++) {
      out.add(list.item(i).getTextContent().trim());
    }
    return out;
  }
}
