using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Options;

namespace TokenService.Tokens;

/// <summary>
/// ASP.NET Core Data Protection's key ring in the database, so that every instance seals and opens the portal's
/// cookies (session, antiforgery, once-shown secrets) with the same keys: a request may land on any instance.
/// Each key's secret part is wrapped with <c>Keys:ProtectionKey</c> when one is configured, as the stored signing
/// keys are; without one, the database is what protects them.
/// </summary>
internal sealed class SharedKeyRing(IServiceScopeFactory scopes) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        return [.. db.KeyRing.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).AsEnumerable().Select(XElement.Parse)];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();

        db.KeyRing.Add(new KeyRingEntry { Name = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }

    public static void AddTo(IServiceCollection services)
    {
        services.AddScoped<Database.IStartupRows, KeyRingStartup>();
        services.AddDataProtection().SetApplicationName("TokenService");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceScopeFactory, IOptions<KeysOptions>>((options, scopes, keys) =>
        {
            options.XmlRepository = new SharedKeyRing(scopes);
            if (keys.Value.ProtectionKey is { } configured && KeysOptions.Decode(configured) is { } protection)
            {
                options.XmlEncryptor = new ProtectionKeyXmlEncryptor(protection);
            }
        });
    }
}

/// <summary>Wraps a Data Protection key with <c>Keys:ProtectionKey</c> (AES-GCM, bound to its purpose).</summary>
internal sealed class ProtectionKeyXmlEncryptor(byte[] protection) : IXmlEncryptor
{
    internal const string Purpose = "data-protection";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        return new EncryptedXmlInfo(new XElement("wrapped", ServerKeys.Protect(plaintext, protection, Purpose)), typeof(ProtectionKeyXmlDecryptor));
    }
}

/// <summary>Unwraps what <see cref="ProtectionKeyXmlEncryptor"/> wrapped; Data Protection creates it by type with the services.</summary>
internal sealed class ProtectionKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var protection = ServerKeys.Configured(services.GetRequiredService<IOptions<KeysOptions>>().Value.ProtectionKey);
        return XElement.Parse(Encoding.UTF8.GetString(ServerKeys.Unprotect(encryptedElement.Value, protection, ProtectionKeyXmlEncryptor.Purpose)));
    }
}

/// <summary>
/// Before the service takes requests: the ring's first key is created by exactly one instance (two instances that each
/// made their own would each refuse the other's cookies until their rings were next read, hours later), and a ring
/// whose keys cannot be unwrapped with the configured <c>Keys:ProtectionKey</c> stops the start instead of being
/// silently replaced, which would end every session.
/// </summary>
internal sealed class KeyRingStartup(
    TokenServiceDbContext db, IKeyManager keys, Maintenance.Leases leases, IOptions<KeysOptions> settings, TimeProvider clock)
    : Database.IStartupRows
{
    private const string CreatorLease = "key-ring";

    public async Task EnsureAsync(bool migrateCommand, CancellationToken cancellationToken)
    {
        if (migrateCommand)
        {
            return;
        }

        var wrapped = await db.KeyRing.AsNoTracking().Select(k => k.Xml).Where(x => x.Contains(ServerKeys.ProtectedPrefix)).FirstOrDefaultAsync(cancellationToken);
        if (wrapped is not null)
        {
            var protection = ServerKeys.Configured(settings.Value.ProtectionKey);
            var secret = XElement.Parse(wrapped).Descendants("wrapped").First().Value;

            // Unprotect names Keys:ProtectionKey in its refusal when the key is missing or is not the one used.
            _ = ServerKeys.Unprotect(secret, protection, ProtectionKeyXmlEncryptor.Purpose);
            return;
        }

        if (await db.KeyRing.AnyAsync(cancellationToken))
        {
            return;
        }

        // One instance makes the first key, under a lease; the others wait for it to appear, and read the ring when
        // they first need it.
        if (!await leases.TryAcquireAsync(CreatorLease, Guid.NewGuid().ToString("N"), TimeSpan.FromMinutes(1), cancellationToken))
        {
            for (var waited = 0; waited < 100 && !await db.KeyRing.AnyAsync(cancellationToken); waited++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }

            return;
        }

        if (await db.KeyRing.AnyAsync(cancellationToken))
        {
            return;
        }

        var now = clock.GetUtcNow();
        keys.CreateNewKey(now, now.AddDays(90));
    }
}
