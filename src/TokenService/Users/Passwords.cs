using Microsoft.AspNetCore.Identity;

namespace TokenService.Users;

/// <summary>
/// Salted slow password hashes: ASP.NET Core Identity's PBKDF2-HMAC-SHA512 with 100,000 iterations and a
/// random salt per hash. Verification costs the same whether or not the user exists, so response times do not
/// reveal which usernames are taken.
/// </summary>
public static class Passwords
{
    private static readonly PasswordHasher<object> Hasher = new();
    private static readonly object NoUser = new();
    private static readonly string DummyHash = Hasher.HashPassword(NoUser, Guid.NewGuid().ToString());

    public const int MinLength = 8;
    public const int MaxLength = 1024;

    public static string Hash(string password) => Hasher.HashPassword(NoUser, password);

    /// <summary>Checks a password against a stored hash, or against a dummy one when there is no user.</summary>
    public static bool Verify(string? hash, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (password.Length > MaxLength)
        {
            return false;
        }

        var result = Hasher.VerifyHashedPassword(NoUser, hash ?? DummyHash, password);
        return hash is not null && result != PasswordVerificationResult.Failed;
    }

    /// <summary>An error sentence when a new password is unacceptable.</summary>
    public static string? Validate(string? password) =>
        password is null || password.Length < MinLength || password.Length > MaxLength
            ? $"password is required and must be {MinLength} to {MaxLength} characters long."
            : null;
}
