namespace TokenService.Options;

/// <summary>Who may create organizations (section <c>Registration</c>).</summary>
public sealed class RegistrationOptions
{
    public const string Section = "Registration";

    /// <summary>When true, anyone may create an organization; otherwise only the superuser.</summary>
    public bool Open { get; set; }
}
