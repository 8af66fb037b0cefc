using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using TokenService.Data;
using TokenService.Data.Entities;

namespace TokenService.OAuth;

/// <summary>
/// Gives OpenIddict keys that are the same on every instance and across restarts: generated once by the
/// first instance and stored in the database. ES256 signs (≈30 µs per token against ≈10 ms for OpenIddict's
/// default RSA-4096) and a 256-bit AES key wraps (A256KW) the payloads stored behind reference tokens.
/// </summary>
/// <remarks>The key rows are not yet protected at rest: whoever reads the database can read them.</remarks>
internal sealed class ServerKeys(IServiceScopeFactory scopes) : IConfigureOptions<OpenIddictServerOptions>
{
    private const string SigningId = "signing-es256";
    private const string EncryptionId = "encryption-a256kw";

    public void Configure(OpenIddictServerOptions options)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();

        var signing = ECDsa.Create();
        signing.ImportPkcs8PrivateKey(
            LoadOrCreate(db, SigningId, () => ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKey()), out _);
        var encryption = LoadOrCreate(db, EncryptionId, () => RandomNumberGenerator.GetBytes(32));

        options.SigningCredentials.Add(new SigningCredentials(
            new ECDsaSecurityKey(signing) { KeyId = SigningId }, SecurityAlgorithms.EcdsaSha256));
        options.EncryptionCredentials.Add(new EncryptingCredentials(
            new SymmetricSecurityKey(encryption) { KeyId = EncryptionId },
            SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
    }

    private static byte[] LoadOrCreate(TokenServiceDbContext db, string id, Func<byte[]> create)
    {
        if (db.ServerKeys.AsNoTracking().FirstOrDefault(k => k.Id == id) is { } existing)
        {
            return Convert.FromBase64String(existing.Material);
        }

        try
        {
            db.ServerKeys.Add(new ServerKey { Id = id, Material = Convert.ToBase64String(create()), Created = DateTimeOffset.UtcNow });
            db.SaveChanges();
        }
        catch (DbUpdateException)
        {
            // Another instance stored its key first: every instance must use that one.
            db.ChangeTracker.Clear();
        }

        return Convert.FromBase64String(db.ServerKeys.AsNoTracking().First(k => k.Id == id).Material);
    }
}
