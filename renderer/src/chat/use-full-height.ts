import { useLayoutEffect, type RefObject } from 'react';

// The chat fills the window below the shell's top bar (and the navigation when it is unfolded on
// a narrow screen): its top is measured, as those bars change height with the window.

export function useFullHeight(ref: RefObject<HTMLElement | null>): void {
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => el.style.setProperty('--chat-top', `${Math.max(0, el.getBoundingClientRect().top + window.scrollY)}px`);
    update();
    const observer = new ResizeObserver(update);
    observer.observe(document.body);
    window.addEventListener('resize', update);
    return () => {
      observer.disconnect();
      window.removeEventListener('resize', update);
    };
  }, [ref]);
}
