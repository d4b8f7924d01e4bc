package io.resonance.mesh.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Set;
import javax.crypto.KeyAgreement;

/**
 * The two kinds of key of the mesh, on the JDK's own providers only (no native crypto): Ed25519
 * ({@value #IDENTITY}) names and signs an identity, X25519 ({@value #AGREEMENT}) agrees the
 * symmetric key that authenticates records. Keys are stored as PEM: {@code PRIVATE KEY} (PKCS#8)
 * followed by {@code PUBLIC KEY} (X.509), because the JDK cannot derive an EdDSA or XDH public key
 * from its private key; a private key file is created with mode 0600 and refused when others can
 * read it, as ssh does.
 */
public final class MeshKeys {

  public static final String IDENTITY = "Ed25519";
  public static final String AGREEMENT = "X25519";

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private MeshKeys() {}

  public static KeyPair generate(String algorithm) {
    try {
      return KeyPairGenerator.getInstance(algorithm).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(algorithm + " is part of every JDK since 15", e);
    }
  }

  /** A public key from its X.509 DER encoding, as records and the registry carry it. */
  public static PublicKey publicKey(String algorithm, byte[] der) {
    try {
      return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(
          "not an " + algorithm + " public key: " + e.getMessage(), e);
    }
  }

  public static byte[] sign(PrivateKey identity, byte[] message) {
    try {
      Signature s = Signature.getInstance(IDENTITY);
      s.initSign(identity);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot sign with " + identity.getAlgorithm(), e);
    }
  }

  public static boolean verify(PublicKey identity, byte[] message, byte[] signature) {
    try {
      Signature s = Signature.getInstance(IDENTITY);
      s.initVerify(identity);
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** X25519: the 32-byte shared secret of {@code mine} and {@code theirs}. */
  public static byte[] agree(PrivateKey mine, PublicKey theirs) {
    try {
      KeyAgreement ka = KeyAgreement.getInstance(AGREEMENT);
      ka.init(mine);
      ka.doPhase(theirs, true);
      return ka.generateSecret();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("X25519 agreement failed: " + e.getMessage(), e);
    }
  }

  /** The key pair in {@code file}, made there (mode 0600) if the file does not exist yet. */
  public static KeyPair readOrCreate(Path file, String algorithm) throws IOException {
    if (Files.exists(file)) {
      return read(file, algorithm);
    }
    KeyPair pair = generate(algorithm);
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    String pem =
        pem("PRIVATE KEY", pair.getPrivate().getEncoded())
            + pem("PUBLIC KEY", pair.getPublic().getEncoded());
    try {
      createOwnerOnly(file);
    } catch (FileAlreadyExistsException e) {
      // Another process made it first: use its key rather than overwrite it.
      return read(file, algorithm);
    }
    Files.writeString(file, pem, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    return pair;
  }

  public static KeyPair read(Path file, String algorithm) throws IOException {
    refuseIfOthersCanRead(file);
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    try {
      KeyFactory kf = KeyFactory.getInstance(algorithm);
      PrivateKey priv =
          kf.generatePrivate(new PKCS8EncodedKeySpec(block(pem, "PRIVATE KEY", file)));
      PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(block(pem, "PUBLIC KEY", file)));
      return new KeyPair(pub, priv);
    } catch (GeneralSecurityException e) {
      throw new IOException(
          file + " does not hold an " + algorithm + " key pair: " + e.getMessage(), e);
    }
  }

  /** A public key file (PEM {@code PUBLIC KEY}), such as the mesh key the agents are given. */
  public static PublicKey readPublic(Path file, String algorithm) throws IOException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    return publicKey(algorithm, block(pem, "PUBLIC KEY", file));
  }

  public static void writePublic(Path file, PublicKey key) throws IOException {
    Files.writeString(file, pem("PUBLIC KEY", key.getEncoded()), StandardCharsets.US_ASCII);
  }

  public static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static byte[] block(String pem, String type, Path file) throws IOException {
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf(end);
    if (from < 0 || to < from) {
      throw new IOException(file + " has no " + type + " block");
    }
    return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
  }

  private static void createOwnerOnly(Path file) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
  }

  private static void refuseIfOthersCanRead(Path file) throws IOException {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException notPosix) {
      return;
    }
    if (perms.contains(PosixFilePermission.GROUP_READ)
        || perms.contains(PosixFilePermission.OTHERS_READ)) {
      throw new IOException(
          file
              + " holds a private key and is readable by others ("
              + PosixFilePermissions.toString(perms)
              + "): chmod 600 it");
    }
  }
}
