using System.ComponentModel.DataAnnotations;

namespace TokenService.Options;

/// <summary>
/// Signing and encryption keys (section <c>Keys</c>). Every instance must use the same ones. Either configure them
/// here, or leave them out and the first instance generates them and stores them in the database, wrapped with
/// <see cref="ProtectionKey"/> when one is configured.
/// </summary>
public sealed class KeysOptions : IValidatableObject
{
    public const string Section = "Keys";

    /// <summary>An ECDSA P-256 private key (PKCS#8, base64) that signs tokens (ES256).</summary>
    public string? SigningKey { get; set; }

    /// <summary>A 256-bit key (base64) that wraps token payloads (A256KW).</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>A 256-bit key (base64) that encrypts (AES-GCM) the keys the service stores in the database.</summary>
    public string? ProtectionKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SigningKey is not null && !IsP256(SigningKey))
        {
            yield return new ValidationResult("Keys:SigningKey must be a base64 PKCS#8 ECDSA P-256 private key.", [nameof(SigningKey)]);
        }

        foreach (var (name, value) in ((string, string?)[])[(nameof(EncryptionKey), EncryptionKey), (nameof(ProtectionKey), ProtectionKey)])
        {
            if (value is not null && Decode(value) is not { Length: 32 })
            {
                yield return new ValidationResult($"Keys:{name} must be 32 random bytes in base64 (e.g. openssl rand -base64 32).", [name]);
            }
        }
    }

    internal static byte[]? Decode(string value)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool IsP256(string value)
    {
        try
        {
            using var key = System.Security.Cryptography.ECDsa.Create();
            key.ImportPkcs8PrivateKey(Decode(value) ?? [], out _);
            return key.KeySize == 256;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
