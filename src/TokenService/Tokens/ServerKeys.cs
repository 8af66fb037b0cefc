using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Options;

namespace TokenService.Tokens;

/// <summary>
/// Gives OpenIddict keys that are the same on every instance and across restarts: the configured ones
/// (<c>Keys:SigningKey</c>, <c>Keys:EncryptionKey</c>), or else keys generated once by the first instance and stored
/// in the database — encrypted with <c>Keys:ProtectionKey</c> (AES-256-GCM) when it is set. ES256 signs (≈30 µs per
/// token against ≈10 ms for OpenIddict's default RSA-4096) and a 256-bit AES key wraps (A256KW) the payloads stored
/// behind reference tokens.
/// </summary>
internal sealed class ServerKeys(IServiceScopeFactory scopes, IOptions<KeysOptions> keys) : IConfigureOptions<OpenIddictServerOptions>
{
    private const string SigningId = "signing-es256";
    private const string EncryptionId = "encryption-a256kw";
    internal const string ProtectedPrefix = "gcm1.";

    public void Configure(OpenIddictServerOptions options)
    {
        var settings = keys.Value;
        var signingKey = Configured(settings.SigningKey);
        var encryptionKey = Configured(settings.EncryptionKey);
        if (signingKey is null || encryptionKey is null)
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
            var protection = Configured(settings.ProtectionKey);
            signingKey ??= LoadOrCreate(db, SigningId, protection,
                () => ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKey());
            encryptionKey ??= LoadOrCreate(db, EncryptionId, protection, () => RandomNumberGenerator.GetBytes(32));
        }

        var signing = ECDsa.Create();
        signing.ImportPkcs8PrivateKey(signingKey, out _);
        options.SigningCredentials.Add(new SigningCredentials(
            new ECDsaSecurityKey(signing) { KeyId = SigningId }, SecurityAlgorithms.EcdsaSha256));
        options.EncryptionCredentials.Add(new EncryptingCredentials(
            new SymmetricSecurityKey(encryptionKey) { KeyId = EncryptionId },
            SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
    }

    internal static byte[]? Configured(string? base64) => base64 is null ? null : KeysOptions.Decode(base64);

    private static byte[] LoadOrCreate(TokenServiceDbContext db, string id, byte[]? protection, Func<byte[]> create)
    {
        if (db.ServerKeys.AsNoTracking().FirstOrDefault(k => k.Id == id) is not { } existing)
        {
            try
            {
                db.ServerKeys.Add(new ServerKey { Id = id, Material = Protect(create(), protection, id), Created = DateTimeOffset.UtcNow });
                db.SaveChanges();
            }
            catch (DbUpdateException exception) when (!Data.DatabaseFailures.IsUnavailable(exception))
            {
                // Another instance stored its key first: every instance must use that one.
                db.ChangeTracker.Clear();
            }

            existing = db.ServerKeys.AsNoTracking().First(k => k.Id == id);
        }

        return Unprotect(existing.Material, protection, id);
    }

    internal static string Protect(byte[] key, byte[]? protection, string id)
    {
        if (protection is null)
        {
            return Convert.ToBase64String(key);
        }

        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var sealedKey = new byte[key.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using var aes = new AesGcm(protection, tag.Length);

        // The key's purpose is bound as associated data: a row cannot be swapped for the other.
        aes.Encrypt(nonce, key, sealedKey, tag, Encoding.UTF8.GetBytes(id));
        return ProtectedPrefix + Convert.ToBase64String([.. nonce, .. sealedKey, .. tag]);
    }

    internal static byte[] Unprotect(string material, byte[]? protection, string id)
    {
        if (!material.StartsWith(ProtectedPrefix, StringComparison.Ordinal))
        {
            return Convert.FromBase64String(material);
        }

        if (protection is null)
        {
            throw new InvalidSettingException(
                $"Keys:ProtectionKey is required: the stored key '{id}' is encrypted: set Keys:ProtectionKey to the key it was encrypted with.");
        }

        var blob = Convert.FromBase64String(material[ProtectedPrefix.Length..]);
        var (nonceSize, tagSize) = (AesGcm.NonceByteSizes.MaxSize, AesGcm.TagByteSizes.MaxSize);
        var key = new byte[blob.Length - nonceSize - tagSize];
        using var aes = new AesGcm(protection, tagSize);
        try
        {
            aes.Decrypt(blob.AsSpan(0, nonceSize), blob.AsSpan(nonceSize, key.Length), blob.AsSpan(nonceSize + key.Length), key,
                Encoding.UTF8.GetBytes(id));
        }
        catch (AuthenticationTagMismatchException exception)
        {
            throw new InvalidSettingException(
                $"Keys:ProtectionKey does not decrypt the stored key '{id}': set the key it was encrypted with.", exception);
        }

        return key;
    }
}
