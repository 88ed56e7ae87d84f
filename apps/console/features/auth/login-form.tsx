"use client";
// The login page's form: username and password to the control plane through the console's proxy;
// on success the HttpOnly session cookie is set and the browser goes back where it came from.
import { useSearchParams } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { ApiStatusError } from "../../lib/api-errors";
import { login } from "../../lib/api-client";
import styles from "./login.module.css";

/** Only a path on this console (never another site: an open redirect would help phishing). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\") || next.startsWith("/login")) return "/";
  return next;
}

export function LoginForm() {
  const next = safeNext(useSearchParams().get("next"));
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Already logged in (e.g. a SameSite=Strict cookie not sent on a link from another site): go on.
  useEffect(() => {
    const controller = new AbortController();
    fetch("/api/v1/session", { signal: controller.signal, headers: { accept: "application/json" } })
      .then((res) => {
        if (res.status === 200) window.location.replace(next);
      })
      .catch(() => undefined);
    return () => controller.abort();
  }, [next]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login({ username: username.trim(), password });
      window.location.assign(next);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiStatusError && err.status === 429) setError(err.message);
      else if (err instanceof ApiStatusError && err.status === 401) setError("Wrong username or password.");
      else setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div className={styles.wrap} data-test="login-page">
      <form className={`card ${styles.card}`} onSubmit={submit} data-test="login-form">
        <h1 className={styles.title}>Log in to Trellis</h1>
        <label className={styles.field}>
          <span>Username</span>
          <input name="username" autoComplete="username" required autoFocus value={username} onChange={(e) => setUsername(e.target.value)} data-test="login-username" />
        </label>
        <label className={styles.field}>
          <span>Password</span>
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-test="login-password" />
        </label>
        {error ? <div className={styles.error} role="alert" data-test="login-error">{error}</div> : null}
        <button type="submit" className={`btn ${styles.submit}`} disabled={busy} data-test="login-submit">{busy ? "Logging in…" : "Log in"}</button>
        <p className={styles.hint}>The first start of the control plane prints the admin&apos;s one-time password (event <code>admin_created</code>).</p>
      </form>
    </div>
  );
}
