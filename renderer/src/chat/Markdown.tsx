import { memo, useRef, type ComponentPropsWithoutRef, type ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';
import { CopyButton } from './CopyButton';

// Assistant replies as markdown: GitHub's flavour (tables, task lists, strikethrough), code
// highlighted, never raw HTML. Links open outside the app and only for web and mail addresses;
// images are shown as links (a reply must not load remote pictures by itself).

const SAFE = /^(https?:|mailto:)/i;

function Link({ href, children }: { href?: string | undefined; children?: ReactNode }) {
  if (!href || !SAFE.test(href)) return <span className="chat-unsafe-link">{children}</span>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

function CodeBlock({ children, ...rest }: ComponentPropsWithoutRef<'pre'>) {
  const pre = useRef<HTMLPreElement>(null);
  const language = /language-([\w+#-]+)/.exec(String((children as { props?: { className?: string } } | undefined)?.props?.className ?? ''))?.[1];
  return (
    <div className="chat-code">
      <div className="chat-code-head">
        <span>{language ?? 'code'}</span>
        <CopyButton text={() => pre.current?.querySelector('code')?.textContent ?? pre.current?.textContent ?? ''} label={language ? `Copy the ${language} code` : 'Copy the code'} />
      </div>
      <pre ref={pre} {...rest} tabIndex={0}>
        {children}
      </pre>
    </div>
  );
}

const components: Components = {
  a: ({ href, children }) => <Link href={href}>{children}</Link>,
  img: ({ src, alt }) => (typeof src === 'string' ? <Link href={src}>{alt || 'image'}</Link> : <span>{alt}</span>),
  pre: ({ node: _node, ...props }) => <CodeBlock {...props} />,
  table: ({ node: _node, ...props }) => (
    <div className="chat-table" tabIndex={0}>
      <table {...props} />
    </div>
  ),
};

// Plain code blocks stay plain: guessing a language costs time on every streamed piece.
const rehypePlugins = [[rehypeHighlight, { detect: false }]] as NonNullable<ComponentPropsWithoutRef<typeof ReactMarkdown>['rehypePlugins']>;
const remarkPlugins = [remarkGfm];

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="chat-markdown">
      <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components} skipHtml>
        {text}
      </ReactMarkdown>
    </div>
  );
});
