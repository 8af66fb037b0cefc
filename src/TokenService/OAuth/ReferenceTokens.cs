namespace TokenService.OAuth;

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
}
