"use client";
// A text filter bound to a URL param. It keeps its own state while typing (the URL follows with
// replaceState) and takes the URL's value when that changes from outside (Back, a bookmark).
import { useEffect, useRef, useState } from "react";
import { useUrlState } from "../lib/use-url-state";

export function FilterInput({ param, placeholder, testId }: { param: string; placeholder: string; testId: string }) {
  const url = useUrlState();
  const urlValue = url.text(param);
  const [value, setValue] = useState(urlValue);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (document.activeElement !== input.current) setValue(urlValue);
  }, [urlValue]);
  return (
    <input
      ref={input}
      className="input"
      type="search"
      placeholder={placeholder}
      aria-label={placeholder}
      data-test={testId}
      value={value}
      spellCheck={false}
      autoComplete="off"
      onChange={(event) => {
        setValue(event.target.value);
        url.set([[param, event.target.value]], "replace");
      }}
    />
  );
}
