using System.Security.Cryptography;
using System.Text;

namespace TokenService.Tokens;

/// <summary>The shape of the opaque reference tokens this service issues.</summary>
public static class ReferenceTokens
{
    /// <summary>
    /// OpenIddict reference identifiers are 256 random bits in base64url (43 characters). Anything else
    /// cannot be one of ours, so it is refused as malformed before any database read.
    /// </summary>
    public static bool IsWellFormed(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Length != 43)
        {
            return false;
        }

        foreach (var c in token)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// What the database stores in place of a reference token (OpenIddict's obfuscation: base64 of its SHA-256), and
    /// the key of every cache entry about it: neither holds a usable token.
    /// </summary>
    public static string Digest(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>A new reference token: 256 random bits in base64url, as OpenIddict makes them.</summary>
    public static string Create() => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
}
