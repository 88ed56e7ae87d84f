// Applies the stored theme before the first paint, so a dark-theme user never sees a light flash.
// The script is a constant written here, never built from data.
export const THEME_STORAGE_KEY = "trellis.console.theme";

const SCRIPT = `try{var t=localStorage.getItem(${JSON.stringify(THEME_STORAGE_KEY)});if(t==="light"||t==="dark")document.documentElement.dataset.theme=t}catch(e){}`;

// The only dangerouslySetInnerHTML in the console, and CSP lets it run only with the response's nonce.
export function ThemeScript({ nonce }: { nonce: string | undefined }) {
  return <script nonce={nonce} dangerouslySetInnerHTML={{ __html: SCRIPT }} />;
}
