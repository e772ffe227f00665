// Renderer entry: picks the API transport (Electron preload or serve bridge) and mounts the app shell.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { connectApi } from './api/client.js';
import './styles.css';

const api = connectApi();
const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <App api={api} />
    </StrictMode>,
  );
