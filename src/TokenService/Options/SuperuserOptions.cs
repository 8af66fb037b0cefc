using System.ComponentModel.DataAnnotations;

namespace TokenService.Options;

/// <summary>The configured account with full access to everything (section <c>Superuser</c>).</summary>
public sealed class SuperuserOptions
{
    public const string Section = "Superuser";

    /// <summary>
    /// The superuser is registered as an OpenIddict client under this name, so it must not look like any other
    /// client id, and Basic credentials are never ambiguous: the client-id prefixes of the principal kinds and the
    /// built-in clients are refused by <c>Callers.SuperuserNameValidator</c>, which reads them from where they are defined.
    /// </summary>
    [Required, RegularExpression("^[A-Za-z0-9._@-]{1,64}$",
        ErrorMessage = "Superuser:Username must be 1-64 characters of A-Z a-z 0-9 . _ @ -.")]
    public string Username { get; set; } = "superuser";

    /// <summary>Required: a service with a guessable superuser password must not start.</summary>
    [Required(ErrorMessage = "Superuser:Password is required (set it with the Superuser__Password environment variable).")]
    [MinLength(12, ErrorMessage = "Superuser:Password must be at least 12 characters long.")]
    public string Password { get; set; } = "";
}
